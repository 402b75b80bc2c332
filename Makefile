# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint venv clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/zkd demo -o demo_out

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# Extract the messages (ours from cli/ and src/, click's from the installed click),
# merge them into the zh_CN and en catalogues, fill English with itself, compile.
# New messages then need a Chinese translation in zh_CN/…/zhengkedai.po (the
# completeness test names them), and `make messages` again to compile.
LOCALES := src/zhengkedai/locale
EXTRACT := $(BIN)/pybabel extract --no-location --sort-output --width 100 --project zhengkedai

messages: $(STAMP)
	$(EXTRACT) -F babel.cfg -o $(LOCALES)/zhengkedai.pot .
	$(EXTRACT) -o $(LOCALES)/click.pot $$($(BIN)/python -c 'import click, os; print(os.path.dirname(click.__file__))')
	for domain in zhengkedai click; do for lang in zh_CN en; do \
	  if [ -f $(LOCALES)/$$lang/LC_MESSAGES/$$domain.po ]; then \
	    $(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete --width 100 -D $$domain \
	      -i $(LOCALES)/$$domain.pot -d $(LOCALES) -l $$lang; \
	  else \
	    $(BIN)/pybabel init --width 100 -D $$domain -i $(LOCALES)/$$domain.pot -d $(LOCALES) -l $$lang; \
	  fi; done; \
	  $(BIN)/python tools/fill_en_catalogue.py $(LOCALES)/en/LC_MESSAGES/$$domain.po; \
	  $(BIN)/pybabel compile --statistics -D $$domain -d $(LOCALES); done

clean:
	rm -rf $(VENV) demo_out zhengkedai.db
