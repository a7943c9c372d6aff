"""What-if for the offer form: a verdict in plain words and the fixes that would change it.

Reads only: nothing is saved. The engine's codes stay in the answer; labels sit beside them.
"""

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from standards.models import Standard

from .catalogue import ATTACHMENT_KINDS, shipped_catalogue
from .selectors import active_cities, rule_set_active
from .services import rulebook_for

# --- what-if: a verdict in plain words and the fixes that would change it -----------------

# Kinds that never change a check (a photo shows the goods, "other" proves nothing named):
# the what-if ignores them, and they are never suggested as a fix.
NON_EVIDENCE_KINDS = frozenset({"photo", "other"})
# Effort of each kind of fix, so fixes can be ranked: attaching a document is the least work,
# sending the goods elsewhere more, goods made to another standard the most.
EFFORT_DOCUMENT, EFFORT_DESTINATION, EFFORT_STANDARD = 1, 2, 4


def _labels_text(labels: list[str], *, chinese: bool) -> str:
    if chinese:
        return "和".join(labels) if len(labels) <= 2 else "、".join(labels[:-1]) + "和" + labels[-1]
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


MAX_FIXES = 6
_RESULT_RANK = {"pass": 0, "warn": 1, "fail": 2}


def _better(evaluation, than) -> bool:
    """Another destination or standard is worth naming only if it ends better than the
    documents alone would here (and is not a fail itself)."""
    rank = _RESULT_RANK[evaluation.result]
    return rank < 2 and rank < _RESULT_RANK[than.result]


def _fail_count(evaluation) -> int:
    return sum(1 for finding in evaluation.findings if finding.severity == "fail")


def _documents_needed(book, facts, *, country, export_date, arrival_date, candidates):
    """The fewest attachment kinds (chosen greedily) that clear the most failing findings.

    If documents alone cannot clear them and the maker is not on the export whitelist, the
    search is repeated as if it were. Returns ``(kinds, whitelisted, evaluation)``: the
    evaluation with those kinds attached (and the maker whitelisted if ``whitelisted``);
    ``kinds`` is empty when no document helps.
    """
    kinds, current = _greedy_documents(book, facts, country, export_date, arrival_date, candidates)
    if current.result == "fail" and not facts.manufacturer_whitelisted:
        listed = replace(facts, manufacturer_whitelisted=True)
        listed_kinds, listed_eval = _greedy_documents(
            book, listed, country, export_date, arrival_date, candidates
        )
        if listed_eval.result != "fail":
            return listed_kinds, True, listed_eval
    return kinds, False, current


def _greedy_documents(book, facts, country, export_date, arrival_date, candidates):
    def run(extra):
        trial = replace(facts, attachments=facts.attachments | frozenset(extra))
        return book.evaluate(
            trial, country=country, export_date=export_date, arrival_date=arrival_date
        )

    def score(evaluation):
        return (_fail_count(evaluation), len(evaluation.findings))

    chosen: list[str] = []
    current = run(())
    while current.result == "fail":
        best, best_eval = None, None
        for kind in candidates:
            if kind in chosen:
                continue
            trial = run([*chosen, kind])
            if _fail_count(trial) < _fail_count(current) and (
                best_eval is None or score(trial) < score(best_eval)
            ):
                best, best_eval = kind, trial
        if best is None:
            break
        chosen.append(best)
        current = best_eval
    return chosen, current


def what_if_fixes(
    *,
    facts,
    country: str,
    export_date,
    arrival_date,
    city=None,
    ignored: Iterable[str] = (),
) -> dict:
    """Evaluate a lot's facts for a destination and say, in plain words, what would change it.

    Nothing is saved. Besides the engine's result and findings (codes kept), the answer has a
    one-line ``verdict`` (English and Chinese) and ``fixes`` ranked by effort: the attachment
    kinds that would clear the failing findings, other sister cities where the goods would be
    accepted (with the documents they would need), and accepted standards for the category.
    Each fix is found by re-evaluating the facts with that change. Labels sit beside codes.
    """
    catalogue = shipped_catalogue()
    rule_set = rule_set_active()
    book = rulebook_for(rule_set)
    country = country.upper()
    dates = {"export_date": export_date, "arrival_date": arrival_date}
    cities = list(active_cities())
    if city is None:
        city = next((c for c in cities if c.country == country), None)
    place = _place(city, country, catalogue)
    titles = _standard_titles(catalogue)
    candidates = [
        kind
        for kind in ATTACHMENT_KINDS
        if kind not in NON_EVIDENCE_KINDS and kind not in facts.attachments
    ]

    base = book.evaluate(facts, country=country, **dates)
    fixes: list[dict] = []
    need = Need((), False, base)
    if base.result == "fail":
        need = Need(
            *_documents_needed(book, facts, country=country, candidates=candidates, **dates)
        )
        if need.kinds or need.whitelisted:
            fixes.append(_fix_attach(need, base, catalogue))
        for other in cities:
            if other.country == country:
                continue
            there = Need(
                *_documents_needed(
                    book, facts, country=other.country, candidates=candidates, **dates
                )
            )
            if _better(there.evaluation, need.evaluation):
                fixes.append(_fix_destination(other, there, catalogue))
        for slug, spec in catalogue.standards.items():
            if slug == facts.standard or facts.category not in spec.category:
                continue
            trial = replace(facts, standard=slug)
            other_standard = Need(
                *_documents_needed(book, trial, country=country, candidates=candidates, **dates)
            )
            if _better(other_standard.evaluation, need.evaluation):
                fixes.append(_fix_standard(slug, titles, other_standard, catalogue, place))
        fixes.sort(key=lambda fix: (fix["effort"], fix["result"] == "fail", fix["label"]))
        del fixes[MAX_FIXES:]

    verdict, verdict_zh, state = _verdict(base, need, fixes, catalogue, place)
    category = catalogue.hs_codes[facts.category]
    return {
        "result": base.result,
        "state": state,
        "verdict": verdict,
        "verdict_zh": verdict_zh,
        "fixes": fixes,
        "findings": _plain_findings(base.findings, titles, catalogue),
        "rule_set_version": rule_set.version,
        "destination": place,
        "export_date": export_date,
        "arrival_date": arrival_date,
        "transit_days": (arrival_date - export_date).days,
        "category": facts.category,
        "category_label": category["label"],
        "category_label_zh": category["label_zh"],
        "standard": facts.standard,
        "standard_title": titles.get(facts.standard, ("", ""))[0] if facts.standard else "",
        "standard_title_zh": titles.get(facts.standard, ("", ""))[1] if facts.standard else "",
        "attachments": [_kind_labels(kind, catalogue) for kind in sorted(facts.attachments)],
        "ignored_attachments": sorted(set(ignored)),
    }


def _place(city, country: str, catalogue) -> dict:
    profile = catalogue.countries.get(country, {})
    country_name = profile.get("name", country)
    country_name_zh = profile.get("name_zh", country)
    return {
        "city": city.slug if city else None,
        "city_name": city.name if city else country_name,
        "city_name_zh": (city.name_zh or city.name) if city else country_name_zh,
        "country": country,
        "country_name": country_name,
        "country_name_zh": country_name_zh,
    }


def _standard_titles(catalogue) -> dict[str, tuple[str, str]]:
    """Each standard's title and Chinese title: the database rows, else the catalogue file."""
    titles = {
        slug: (_short(spec.title), spec.title_zh or _short(spec.title))
        for slug, spec in catalogue.standards.items()
    }
    for slug, title, title_zh in Standard.objects.values_list("slug", "title", "title_zh"):
        titles[slug] = (_short(title), title_zh or _short(title))
    return titles


def _short(title: str) -> str:
    """``EN 149:2001+A1:2009 Respiratory protective devices`` without the subtitle."""
    return title.split(" — ")[0].strip()


def _plain_findings(findings, titles, catalogue) -> list[dict]:
    """The engine's findings, each with ``text``/``text_zh``: its message with the codes of
    standards and attachment kinds replaced by their names (the codes stay in ``message``)."""
    names_en = {slug: title for slug, (title, _zh) in titles.items()}
    names_zh = {slug: title_zh for slug, (_en, title_zh) in titles.items()}
    for kind, labels in catalogue.attachment_kinds.items():
        names_en[kind], names_zh[kind] = labels["label"], labels["label_zh"]
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, names_en), key=len)[::-1]) + r")\b"
    )
    rows = []
    for finding in findings:
        row = finding.as_dict()
        row["text"] = pattern.sub(lambda m: names_en[m.group(1)], finding.message)
        row["text_zh"] = pattern.sub(lambda m: names_zh[m.group(1)], finding.message_zh)
        rows.append(row)
    return rows


def _kind_labels(kind: str, catalogue) -> dict:
    labels = catalogue.attachment_kinds.get(kind, {"label": kind, "label_zh": kind})
    return {"kind": kind, "label": labels["label"], "label_zh": labels["label_zh"]}


class Need(NamedTuple):
    """What a lot would need for a destination: documents, a whitelisted maker, the result."""

    kinds: list[str]
    whitelisted: bool
    evaluation: object


def _need_text(need: Need, catalogue) -> tuple[str, str]:
    """``attach the CE certificate and have the manufacturer on the export whitelist``."""
    labels = [_kind_labels(kind, catalogue) for kind in need.kinds]
    english, chinese = [], []
    if labels:
        english.append(
            "attach " + _labels_text([f"the {label['label']}" for label in labels], chinese=False)
        )
        chinese.append("附上" + _labels_text([label["label_zh"] for label in labels], chinese=True))
    if need.whitelisted:
        english.append("have the manufacturer on the export whitelist")
        chinese.append("确认生产企业已列入出口白名单")
    return " and ".join(english), "，并".join(chinese)


def _outcome_text(evaluation, before) -> tuple[str, str]:
    if evaluation.result == "pass":
        return "then it passes", "即可通过"
    if evaluation.result == "warn":
        return "then it can go, with notes to read", "即可发运，但请留意提示"
    cleared = _fail_count(before) - _fail_count(evaluation)
    left = _fail_count(evaluation)
    return (
        f"clears {cleared} of {cleared + left} blocking problems",
        f"可解决 {cleared + left} 个阻碍中的 {cleared} 个",
    )


def _fix(kind: str, effort: int, need: Need, catalogue, label: str, label_zh: str) -> dict:
    return {
        "kind": kind,
        "effort": effort + EFFORT_DOCUMENT * (len(need.kinds) + need.whitelisted),
        "result": need.evaluation.result,
        "attachments": [_kind_labels(kind, catalogue) for kind in need.kinds],
        "whitelisted": need.whitelisted,
        "label": label,
        "label_zh": label_zh,
    }


def _fix_attach(need: Need, before, catalogue) -> dict:
    english, chinese = _need_text(need, catalogue)
    outcome, outcome_zh = _outcome_text(need.evaluation, before)
    label = f"{english[:1].upper()}{english[1:]}: {outcome}."
    return _fix("attach", 0, need, catalogue, label, f"{chinese}：{outcome_zh}。")


def _fix_destination(city, need: Need, catalogue) -> dict:
    name, name_zh = city.name, city.name_zh or city.name
    if need.kinds or need.whitelisted:
        english, chinese = _need_text(need, catalogue)
        label = f"Send it to {name} instead and {english}."
        label_zh = f"改为发往{name_zh}，并{chinese}。"
    else:
        label = f"Send it to {name} instead: it is accepted there as it is."
        label_zh = f"改为发往{name_zh}：按现有情况即可接受。"
    fix = _fix("destination", EFFORT_DESTINATION, need, catalogue, label, label_zh)
    fix.update(city=city.slug, city_name=name, city_name_zh=name_zh, country=city.country)
    return fix


def _fix_standard(slug, titles, need: Need, catalogue, place) -> dict:
    title, title_zh = titles.get(slug, (slug, slug))
    city, city_zh = place["city_name"], place["city_name_zh"]
    label = f"Goods certified to {title} would be accepted in {city}"
    label_zh = f"符合{title_zh}的货物可发往{city_zh}"
    if need.kinds or need.whitelisted:
        english, chinese = _need_text(need, catalogue)
        label, label_zh = f"{label} if you {english}", f"{label_zh}，需{chinese}"
    fix = _fix("standard", EFFORT_STANDARD, need, catalogue, f"{label}.", f"{label_zh}。")
    fix.update(standard=slug, standard_title=title, standard_title_zh=title_zh)
    return fix


def _verdict(base, need: Need, fixes, catalogue, place) -> tuple[str, str, str]:
    """The one line a donor reads first, and its state: pass, warn, fixable or blocked."""
    city, city_zh = place["city_name"], place["city_name_zh"]
    if base.result == "pass":
        return f"Can go to {city}.", f"可以发往{city_zh}。", "pass"
    if base.result == "warn":
        return (
            f"Can go to {city}; read the notes below.",
            f"可以发往{city_zh}，请阅读下方提示。",
            "warn",
        )
    if (need.kinds or need.whitelisted) and need.evaluation.result != "fail":
        english, chinese = _need_text(need, catalogue)
        return (
            f"Can go to {city} once you {english}.",
            f"{chinese}后即可发往{city_zh}。",
            "fixable",
        )
    if fixes:
        return (
            f"Cannot go to {city} as it is declared; see what would change that.",
            f"按目前填写的情况无法发往{city_zh}，请参考下列办法。",
            "blocked",
        )
    return (
        f"Cannot go to {city} on these dates.",
        f"在这些日期内无法发往{city_zh}。",
        "blocked",
    )
