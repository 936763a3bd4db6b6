"""The bench harness: start each server, load it with wrk and locust, check it, write the results."""
