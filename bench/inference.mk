# `make bench-inference` (about 3 min): the reference model's training and prediction times in Swift (release
# InferenceBench) beside scikit-learn's, measured in the same run (bench/inference_sklearn.py).
# Every model kind beside scikit-learn too (bench/inference_kinds.py). scikit-learn and numpy come pinned
# from tools/requirements-newest.txt (the newest release the exporter supports), in a venv of their own.
INFERENCE_VENV := bench/.venv-inference-newest
# Where SwiftPM builds the benchmark; a workspace that must not touch .build can point elsewhere.
INFERENCE_SCRATCH ?= .build

.PHONY: bench-inference

$(INFERENCE_VENV)/.installed: tools/requirements-newest.txt
	$(PYTHON) -m venv $(INFERENCE_VENV)
	$(INFERENCE_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

bench-inference: deps
	$(call apt_install,python3-venv)
	@$(MAKE) --no-print-directory $(INFERENCE_VENV)/.installed
	$(SWIFT) build -c release --scratch-path $(INFERENCE_SCRATCH) --product InferenceBench
	$(INFERENCE_VENV)/bin/python bench/inference_sklearn.py --swift $(INFERENCE_SCRATCH)/release/InferenceBench
