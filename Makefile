# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install bench soak postman clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): $(BIN)/python setup.py
	$(BIN)/pip install -q -e '.[testing]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/jobhax --ini development.ini serve

test: $(STAMP)
	$(BIN)/pytest tests

clean:
	rm -rf $(VENV) var build *.egg-info
