// placeholder until the Validation module lands
