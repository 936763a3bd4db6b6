# `make bench-parser`: what framing one request costs (release ParserBench), ns per request for a
# pipelined POST /predict with its 2x13 JSON body and for a bare GET /.
PARSER_SCRATCH ?= .build

.PHONY: bench-parser

bench-parser: deps
	$(SWIFT) build -c release --scratch-path $(PARSER_SCRATCH) --product ParserBench
	$(PARSER_SCRATCH)/release/ParserBench
