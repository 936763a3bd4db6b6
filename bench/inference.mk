# `make bench-inference` (about 3 min): the reference model's training and prediction times in Swift (release
# InferenceBench) beside scikit-learn's, measured in the same run (bench/inference_sklearn.py).
# Every model kind beside scikit-learn too (bench/inference_kinds.py). scikit-learn and numpy come pinned
# from tools/requirements-newest.txt (the newest release the exporter supports), in a venv of their own.
# Then XGBoost and LightGBM files beside their libraries, Treelite + TL2cgen and lleaves (bench/inference_gbm.py,
# about 2 min; its first run also compiles the models, several minutes, kept in the venv for the next runs),
# pinned in bench/requirements-gbm.txt, in another venv (their numpy differs); TL2cgen compiles with gcc.
INFERENCE_VENV := bench/.venv-inference-newest
GBM_VENV := bench/.venv-gbm
# Where SwiftPM builds the benchmark; a workspace that must not touch .build can point elsewhere.
INFERENCE_SCRATCH ?= .build

.PHONY: bench-inference

$(INFERENCE_VENV)/.installed: tools/requirements-newest.txt
	$(PYTHON) -m venv $(INFERENCE_VENV)
	$(INFERENCE_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

$(GBM_VENV)/.installed: bench/requirements-gbm.txt
	$(PYTHON) -m venv $(GBM_VENV)
	$(GBM_VENV)/bin/pip install -q --disable-pip-version-check -r $<
	touch $@

bench-inference: deps
	$(call apt_install,python3-venv gcc)
	@$(MAKE) --no-print-directory $(INFERENCE_VENV)/.installed $(GBM_VENV)/.installed
	$(SWIFT) build -c release --scratch-path $(INFERENCE_SCRATCH) --product InferenceBench
	$(INFERENCE_VENV)/bin/python bench/inference_sklearn.py --swift $(INFERENCE_SCRATCH)/release/InferenceBench
	$(GBM_VENV)/bin/python bench/inference_gbm.py --swift $(INFERENCE_SCRATCH)/release/InferenceBench
