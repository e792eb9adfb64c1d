"""A tag as people read it: the label `config.toml` gives it (`[tags.vsa] label = "…"`), else its bare name.

Pages (the Jinja filter `tag_label`), e-mails, feeds, channels and the terminal all take a tag's words
here; the name itself stays what people type (`--tag vsa`, `?tag=vsa`) and what JSON carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

TagLabels = Mapping[str, str]  # tag name -> label, from the config's [tags.NAME] tables


def tag_label(tag: str, labels: TagLabels) -> str:
    """'Vidéosurveillance algorithmique' for `vsa` when the config labels it so; 'vsa' when it does not."""
    return labels.get(tag) or tag


def tags_label(tags: Iterable[str], labels: TagLabels) -> str:
    """Several tags as one French list of their labels: 'Vidéosurveillance algorithmique, énergie'."""
    return ", ".join(tag_label(tag, labels) for tag in tags)


def tag_with_name(tag: str, labels: TagLabels) -> str:
    """For the terminal, where the name is what people type back: 'Vidéosurveillance algorithmique (vsa)',
    or the bare name when the tag has no label."""
    label = tag_label(tag, labels)
    return tag if label == tag else f"{label} ({tag})"
