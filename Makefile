# Every target creates the virtual environment on first use.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test e2e bench sample clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m streamlit run asgi.py --server.port $(PORT)

# pytest exits with 5 when it collects no test; that is not a failure.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS); rc=$$?; if [ $$rc -eq 5 ]; then exit 0; else exit $$rc; fi

e2e: $(STAMP)
	$(PY) -m pytest tests/e2e $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m bench $(BENCH_ARGS)

sample: $(STAMP)
	$(PY) -m sample_data --replace

clean:
	rm -rf var/dashboard.db* var/screenshots var/bench
