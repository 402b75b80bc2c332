"""Rendering statements: a computed :class:`~zhengkedai.domain.statement.StatementDoc` to bytes.

- :mod:`.layouts`  — ``load_layout(kind)`` and ``table_from_layout`` / ``fields_from_layout`` /
  ``section_from_layout`` / ``doc_from_layout``: the builder's path from row dicts to a doc;
- :mod:`.pdf`      — ``render_pdf(doc | [docs]) -> bytes`` (reportlab, embedded CJK font);
- :mod:`.tabular`  — ``render_json(doc)`` and ``render_csv(doc)`` ``-> bytes``;
- :mod:`.cells`    — the one spelling of each value kind per format;
- :mod:`.samples`  — realistic sample docs (``python -m zhengkedai.render.samples DIR``).

Renderers never write files or read the clock; the CLI writes what they return.
"""
