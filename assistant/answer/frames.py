"""Extractive answer composition: fixed sentence frames filled only with plan records.

Every sentence is a frame (「…は…が担当しています。」) around names, departments and years taken from
the structured records, or a verbatim plan line, and each answer carries citations whose excerpts are
verbatim substrings of the plan. Nothing here paraphrases or invents.
"""

from __future__ import annotations

from assistant.answer.types import Citation
from assistant.corpus.models import BasicPolicy, Policy, Project, ScheduleEntry
from assistant.corpus.plan import Plan
from assistant.corpus.wareki import format_fiscal_year, format_span

JA_SEP = "・"


def project_citation(project: Project, excerpt: str | None = None) -> Citation:
    return Citation(
        id=project.id,
        kind="project",
        name=project.name,
        departments=project.departments,
        path=project.path.to_dict(),
        path_label=project.path.label(),
        excerpt=excerpt or (project.summary_lines[0] if project.summary_lines else project.name),
        source=project.source.to_dict(),
    )


def node_citation(plan: Plan, node: BasicPolicy | Policy, excerpt: str | None = None) -> Citation:
    path = plan.node_path(node.code)
    label = " > ".join(f"{level['code']} {level['title']}" for level in (path["basic_policy"], path["policy"]) if level)
    return Citation(
        id=node.code,
        kind="policy",
        name=f"{node.code} {node.title}",
        departments=(),
        path=path,
        path_label=label,
        excerpt=excerpt or (node.goal.intent if node.goal else node.title),
        source=(node.goal.source if node.goal and node.goal.source else node.source).to_dict(),
    )


def departments_text(project: Project, lang: str) -> str:
    return ", ".join(project.departments) if lang == "en" else JA_SEP.join(project.departments)


def who(projects: list[Project], lang: str, evidence: dict[str, list[str]] | None = None) -> tuple[str, list[Citation]]:
    sentences = []
    for p in projects:
        if lang == "en":
            sentences.append(f"{p.name} is handled by {departments_text(p, lang)}.")
        else:
            sentences.append(f"{p.name}は{departments_text(p, lang)}が担当しています。")
    # The department claim is backed by the plan's own 所管課 cell, verbatim (「【東・南・北総合事務所地域福祉課】」);
    # the row's line closest to the question follows, so the operator also sees what the project does.
    evidence = evidence or {}
    citations = []
    for p in projects:
        if p.department_text:
            citations.append(project_citation(p, p.department_text))
        citations.append(project_citation(p, (evidence.get(p.id) or [None])[0]))
    return " ".join(sentences) if lang == "en" else "".join(sentences), citations


def answering_entries(project: Project, years: tuple[int, ...] = (),
                      evidence: list[str] | None = None) -> list[ScheduleEntry]:  # fmt: skip
    """The row's dated entries in ``evidence`` order (the entry that answers the question first), only
    those covering the years asked when any do (else the whole schedule)."""
    evidence = evidence or []
    entries = sorted(project.schedule, key=lambda e: evidence.index(e.text) if e.text in evidence else len(evidence))
    if years:
        entries = [e for e in entries if any(e.covers(y) for y in years)] or entries
    return entries


def when(project: Project, lang: str, years: tuple[int, ...] = (),
         evidence: list[str] | None = None) -> tuple[str, list[Citation]]:  # fmt: skip
    """The row's dated entries (:func:`answering_entries`). A row without dates says so, with its closest line."""
    entries = answering_entries(project, years, evidence)
    if not entries:
        mark = f"（事業年度欄：{project.year_mark}）" if project.year_mark else ""
        line = evidence[0] if evidence else None
        if lang == "en":
            text = f"The plan gives no specific fiscal years for {project.name} ({departments_text(project, lang)})."
        else:
            text = f"{project.name}について、計画には具体的な年度の記載がありません{mark}。担当は{departments_text(project, lang)}です。"
            if line:
                text += f"計画には「{line}」と記載されています。"
        return text, [project_citation(project, line)]
    lines, citations, seen = [], [], set()
    for entry in entries:
        span = format_span(entry.start_fy, entry.end_fy)
        lines.append(f"・{span}：「{entry.text}」")
        if entry.text not in seen:
            citations.append(project_citation(project, entry.text))
            seen.add(entry.text)
    head = (
        f"Schedule of {project.name} in the plan:"
        if lang == "en"
        else f"{project.name}の予定は、計画では次のとおりです。"
    )
    return head + "\n" + "\n".join(lines), citations


def listing(projects: list[Project], description: str, lang: str, count_only: bool = False,
            phrase: bool = False, excerpts: dict[str, str | None] | None = None) -> tuple[str, list[Citation]]:  # fmt: skip
    """``description`` names a facet (「DX推進課」 → 「DX推進課の主要事業は…」) or, with ``phrase``, the set.
    ``excerpts`` chooses the cited line per project (e.g. its schedule entry for the year asked).
    Items are grouped under their place in the plan (see :func:`grouped`), citations in the same order."""
    excerpts = excerpts or {}
    n = len(projects)
    if lang == "en":
        head = f"The plan lists {n} project{'s' if n != 1 else ''} for {description}."
    elif phrase:
        head = f"{description}は{n}件です。"
    else:
        head = f"{description}の主要事業は{n}件です。"
    lines, ordered = [head], []
    for heading, members in grouped(projects):
        lines.append(f"〔{heading}〕")
        lines.extend(f"・{p.name}（{departments_text(p, lang)}）" for p in members)
        ordered.extend(members)
    text = head if count_only and n > 10 else "\n".join(lines)
    return text, [project_citation(p, excerpts.get(p.id)) for p in ordered]


def grouped(projects: list[Project]) -> list[tuple[str, list[Project]]]:
    """Projects grouped by 個別施策, or by 取組方針 when they all share one 個別施策 (groups in order of first
    appearance). A member of city staff reads a list by where it sits in the plan; a caller hears which
    policy a set of projects serves (「市民の声を聴き、市政に反映します」) without asking again."""
    by_policy = {p.path.policy_code for p in projects}

    def heading(p: Project) -> str:
        path = p.path
        if len(by_policy) > 1:
            return f"{path.policy_code} {path.policy_title}"
        return f"{path.policy_code} {path.policy_title} ＞ 取組方針{path.approach_number} {path.approach_title}"

    groups: dict[str, list[Project]] = {}
    for p in projects:
        groups.setdefault(heading(p), []).append(p)
    return list(groups.items())


def approach_description(project: Project, lang: str) -> str:
    """The 取組方針 a project belongs to, as a list description: 「H3-1の取組方針4「公共施設の見直し」」."""
    path = project.path
    if lang == "en":
        return f"approach {path.approach_number} of {path.policy_code} 「{path.approach_title}」"
    return f"{path.policy_code}の取組方針{path.approach_number}「{path.approach_title}」"


def schedule_line(project: Project, year: int) -> str | None:
    """The project's schedule sentence covering ``year`` (verbatim), if it has one."""
    return next((e.text for e in project.schedule if e.covers(year)), None)


def narrowed_description(description: str, lang: str) -> str:
    return f"{description}, matching your words" if lang == "en" else f"{description}のうちお尋ねに該当するもの"


def related(rows: list[tuple[Project, str]], lang: str) -> tuple[str, list[Citation]]:
    """Runner-up rows, each with its own verbatim line: 「関連する可能性のある事業」."""
    head = "Possibly related in the plan:" if lang == "en" else "関連する可能性のある記載："
    lines = [f"・{p.name}（{departments_text(p, lang)}）：「{line}」" for p, line in rows]
    return head + "\n" + "\n".join(lines), [project_citation(p, line) for p, line in rows]


def choices(projects: list[Project], evidence: dict[str, list[str]], lang: str) -> tuple[str, list[Citation]]:
    """Rows about equally close to the question, each with its line: the asker picks (chips ask again)."""
    rows = [(p, (evidence.get(p.id) or [p.summary_lines[0] if p.summary_lines else p.name])[0]) for p in projects]
    if lang == "en":
        head = f"{len(rows)} projects of the plan fit your question about equally well:"
    else:
        head = f"お尋ねに近い事業が{len(rows)}件あります。"
    lines = [f"・{p.name}（{departments_text(p, lang)}）：「{line}」" for p, line in rows]
    return head + "\n" + "\n".join(lines), [project_citation(p, line) for p, line in rows]


def goal_phrase(node: BasicPolicy | Policy) -> str:
    """めざす姿 as the plan writes it: who (「市民が」), then the state, quoted (two cells: only the state is one
    verbatim line, so only it is in quotation marks)."""
    if node.goal is None:
        return ""
    return f"{node.goal.target}「{node.goal.intent}」"


def policy(plan: Plan, node: BasicPolicy | Policy, lang: str) -> tuple[str, list[Citation]]:
    children = [p.title for p in node.policies] if isinstance(node, BasicPolicy) else [a.title for a in node.approaches]
    label = "個別施策" if isinstance(node, BasicPolicy) else "取組方針"
    goal = goal_phrase(node)
    if lang == "en":
        text = f"{node.code} {node.title}. Goal (めざす姿): {goal} {label}: {'、'.join(children)}."
    else:
        text = f"{node.code}「{node.title}」のめざす姿は{goal}です。{label}は「{'」「'.join(children)}」です。"
    citations = [node_citation(plan, node)]
    if node.goal and node.goal.intent != node.title:
        citations.append(node_citation(plan, node, node.title))
    return text, citations


def lookup(project: Project, excerpts: list[str], lang: str) -> tuple[str, list[Citation]]:
    quoted = "".join(f"「{line}」" for line in excerpts)
    if lang == "en":
        text = f"The plan describes {project.name} ({departments_text(project, lang)}): {quoted}"
    else:
        text = (
            f"{project.name}（担当：{departments_text(project, lang)}）について、計画には{quoted}と記載されています。"
        )
    return text, [project_citation(project, line) for line in excerpts]


def year_block(project: Project, entry: ScheduleEntry, limit: int = 5) -> list[str]:
    """The plan lines an entry stands for: its own line, and when that line is only a year heading
    (「令和7年度」) the bullets under it (「・ナガサキのサカナ魅力再発見事業…」)."""
    lines = project.summary_lines
    start = next((i for i, line in enumerate(lines) if entry.text in line), None)
    if start is None:
        return [entry.text]
    block = [lines[start]]
    if not lines[start].startswith(("・", "○", "※")):
        for line in lines[start + 1 :]:
            if not line.startswith("・") or len(block) >= limit:
                break
            block.append(line)
    return block


def lookup_year(project: Project, years: tuple[int, ...], lang: str) -> tuple[str, list[Citation]] | None:
    """What the row says for the years asked (「今年はどがんとが選ばれとると？」), or, when it has nothing for
    them, plainly that, with the years it does have. ``None`` when the row has no schedule at all."""
    if not project.schedule:
        return None
    entries = [e for e in project.schedule if any(e.covers(y) for y in years)]
    asked = "、".join(format_fiscal_year(y) for y in years)
    dept = departments_text(project, lang)
    lines: list[str] = []
    for entry in entries or project.schedule[:2]:
        lines.extend(line for line in year_block(project, entry) if line not in lines)
    quoted = "".join(f"「{line}」" for line in lines)
    if entries:
        if lang == "en":
            text = f"For {asked}, the plan says about {project.name} ({dept}): {quoted}"
        else:
            text = f"{project.name}（担当：{dept}）の{asked}について、計画には{quoted}と記載されています。"
    else:
        spans = "、".join(format_span(e.start_fy, e.end_fy) for e in project.schedule[:2])
        if lang == "en":
            text = f"The plan says nothing about {asked} for {project.name} ({dept}); it covers {spans}: {quoted}"
        else:
            text = (
                f"{project.name}（担当：{dept}）について、計画には{asked}の記載はありません。"
                f"記載があるのは{spans}で、{quoted}と記載されています。"
            )
    return text, [project_citation(project, line) for line in lines]


def none_in_year(year: int, projects: list[Project], lang: str) -> tuple[str, list[Citation]]:
    """No row of the previous answer has a schedule entry for ``year`` (checked in the records); the
    years they do have follow, each as its verbatim schedule line, so the asker sees what the plan says."""
    label = format_fiscal_year(year)
    latest = [(p, max(p.schedule, key=lambda e: (e.end_fy or e.start_fy, e.start_fy))) for p in projects if p.schedule]
    dated = latest[:5]
    if lang == "en":
        text = f"None of the projects in the previous answer has an entry for {label} in the plan."
        head = "What the plan gives instead:"
    else:
        text = f"前の回答の事業には、計画上{label}の記載がありません。"
        head = "計画に記載のある年度："
    if not dated:
        return text, []
    lines = [f"・{p.name}（{format_span(e.start_fy, e.end_fy)}）：「{e.text}」" for p, e in dated]
    if len(latest) > len(dated):
        more = len(latest) - len(dated)
        lines.append(f"(and {more} more)" if lang == "en" else f"（ほか{more}件）")
    return text + "\n" + head + "\n" + "\n".join(lines), [project_citation(p, e.text) for p, e in dated]


def handoff_line(handoff: dict, lang: str, channel: str = "citizen") -> str:
    """Where to turn next. An operator *is* the call center: no self-referral, the scope and the directory."""
    if channel == "callcenter":
        if lang == "en":
            return f"This is outside the {handoff['scope']}; see {handoff['directory_label']}."
        return f"{handoff['scope']}の範囲外です。{handoff['directory_label']}をご案内ください。"
    if lang == "en":
        return f"Please contact {handoff['name']} ({handoff['phone']}, {handoff['hours']})."
    return f"お手数ですが、{handoff['name']}（{handoff['phone']}、{handoff['hours']}）にお問い合わせください。"


def not_found(handoff: dict, lang: str, channel: str = "citizen") -> str:
    if lang == "en":
        return "I could not find anything about this in the city's implementation plan. " + handoff_line(
            handoff, lang, channel
        )
    return "この計画には該当する記載が見つかりませんでした。" + handoff_line(handoff, lang, channel)


def partly(missing: tuple[str, ...], row: tuple[Project, str], handoff: dict, lang: str,
           channel: str = "citizen") -> tuple[str, list[Citation]]:  # fmt: skip
    """The plan does not say what was asked, though a row is near its topic: say so first, then the row."""
    project, line = row
    if lang == "en":
        what = "“" + "”, “".join(missing) + "”" if missing else "what you asked"
        head = f"The plan says nothing about {what}."
        related = f"Related plan text: {project.name} ({departments_text(project, lang)}): 「{line}」"
    else:
        what = "「" + "」「".join(missing) + "」についての" if missing else "お尋ねの点についての"
        head = f"計画には{what}記載はありません。"
        related = f"関連する計画の記載：{project.name}（{departments_text(project, lang)}）「{line}」"
    return "\n".join([head, related, handoff_line(handoff, lang, channel)]), [project_citation(project, line)]


def rephrase(lang: str) -> str:
    """Nothing to look up (a greeting, thanks, stray keys): ask for the question instead of guessing one."""
    if lang == "en":
        return "Please tell me what you would like to know about the city's plan, for example:"
    return "ご質問の内容を読み取れませんでした。市の計画について知りたいことを、たとえば次のようにお尋ねください。"


def uncertain_prefix(lang: str) -> str:
    if lang == "en":
        return "I am not certain this is what you are looking for. "
    return "お探しの内容と異なるかもしれません。"


def describe_filters(departments: tuple[str, ...], policy_code: str | None, tags: tuple[str, ...], year: int | None,
                     starts: bool, plan: Plan, lang: str) -> str:  # fmt: skip
    """「DX推進課・令和8年度」: the facets of a complete list (``departments``, ``tags``: every one named,
    read as any of them: 「DX推進課または情報統計課」)."""
    parts = []
    if departments:
        parts.append((" or " if lang == "en" else "または").join(departments))
    if policy_code:
        node = plan.node(policy_code)
        parts.append(f"{policy_code}「{node.title}」" if node else policy_code)
    if tags:
        if lang == "ja":
            parts.append("重点プロジェクト「" + "」「".join(tags) + "」")
        else:
            parts.append(f"the priority project{'s' if len(tags) > 1 else ''} {' / '.join(tags)}")
    if year:
        label = format_fiscal_year(year)
        parts.append(f"{label}に始まる" if starts and lang == "ja" else label)
    if lang == "en":
        return ", ".join(parts) or "the plan"
    return "・".join(parts) or "計画全体"
