"""The controlled vocabularies as first installed (the data migration copies this list; admins
edit the terms afterwards). (vocabulary, code, 简体, 繁體, English, counts as a death)."""

TERMS = [
    # Acts: one act against one victim.
    ("act_type", "arrest", "逮捕", "逮捕", "Arrest", False),
    ("act_type", "detention", "关押", "關押", "Detention", False),
    ("act_type", "sentence", "判刑", "判刑", "Prison sentence", False),
    ("act_type", "forced_labour", "强迫劳动", "強迫勞動", "Forced labour", False),
    ("act_type", "torture", "酷刑", "酷刑", "Torture", False),
    (
        "act_type",
        "psychiatric",
        "强制精神治疗",
        "強制精神治療",
        "Forced psychiatric treatment",
        False,
    ),
    ("act_type", "death_in_custody", "羁押期间死亡", "羈押期間死亡", "Death in custody", True),
    ("act_type", "killing", "杀害", "殺害", "Killing", True),
    ("act_type", "disappearance", "强迫失踪", "強迫失蹤", "Enforced disappearance", False),
    ("act_type", "dismissal", "开除或解雇", "開除或解僱", "Dismissal from work", False),
    ("act_type", "expulsion_school", "开除学籍", "開除學籍", "Expulsion from school", False),
    ("act_type", "family_harassment", "骚扰家属", "騷擾家屬", "Harassment of family", False),
    ("act_type", "surveillance", "监控", "監控", "Surveillance", False),
    ("act_type", "travel_ban", "限制出境", "限制出境", "Travel ban", False),
    (
        "act_type",
        "property_seizure",
        "抄家或没收财产",
        "抄家或沒收財產",
        "Seizure of property",
        False,
    ),
    ("act_type", "refoulement", "遣返", "遣返", "Refoulement", False),
    # The victim's status as last known.
    ("victim_status", "dead", "已死亡", "已死亡", "Dead", True),
    ("victim_status", "held", "仍被关押", "仍被關押", "Held", False),
    ("victim_status", "released", "已获释", "已獲釋", "Released", False),
    ("victim_status", "exiled", "流亡海外", "流亡海外", "In exile", False),
    ("victim_status", "missing", "下落不明", "下落不明", "Missing", False),
    ("victim_status", "unknown", "不明", "不明", "Unknown", False),
    # Where the information comes from.
    ("source_type", "victim", "受害人本人", "受害人本人", "The victim", False),
    ("source_type", "family", "家属", "家屬", "Family", False),
    ("source_type", "witness", "目击者", "目擊者", "Witness", False),
    ("source_type", "hotline", "热线来电", "熱線來電", "Hotline call", False),
    ("source_type", "media", "媒体报道", "媒體報導", "Media report", False),
    ("source_type", "document", "官方文件", "官方文件", "Official document", False),
    ("source_type", "organisation", "其他机构", "其他機構", "Other organisation", False),
    # What the centre did.
    ("intervention_type", "letter", "信函", "信函", "Letter", False),
    (
        "intervention_type",
        "un_appeal",
        "联合国紧急呼吁",
        "聯合國緊急呼籲",
        "UN urgent appeal",
        False,
    ),
    ("intervention_type", "media", "媒体", "媒體", "Media", False),
    ("intervention_type", "embassy", "联系使馆", "聯繫使館", "Embassy contact", False),
    ("intervention_type", "government", "联系政府", "聯繫政府", "Government contact", False),
    ("intervention_type", "dossier", "移交案卷", "移交案卷", "Dossier handed over", False),
    # Who did it.
    ("perpetrator_type", "police", "公安", "公安", "Police", False),
    ("perpetrator_type", "state_security", "国安", "國安", "State security", False),
    ("perpetrator_type", "procuratorate", "检察院", "檢察院", "Procuratorate", False),
    ("perpetrator_type", "court", "法院", "法院", "Court", False),
    (
        "perpetrator_type",
        "prison",
        "监狱或看守所",
        "監獄或看守所",
        "Prison or detention centre",
        False,
    ),
    ("perpetrator_type", "party", "党委或政法委", "黨委或政法委", "Party committee", False),
    ("perpetrator_type", "employer", "工作单位", "工作單位", "Employer", False),
    (
        "perpetrator_type",
        "neighbourhood",
        "街道或居委会",
        "街道或居委會",
        "Neighbourhood committee",
        False,
    ),
    ("perpetrator_type", "unknown", "不明", "不明", "Unknown", False),
    # Who a dossier goes to (consent is recorded per kind).
    ("recipient_kind", "government", "政府", "政府", "Government", False),
    ("recipient_kind", "un", "联合国", "聯合國", "United Nations", False),
    ("recipient_kind", "ngo", "非政府组织", "非政府組織", "NGO", False),
    ("recipient_kind", "media", "媒体", "媒體", "Media", False),
    ("recipient_kind", "public", "公众", "公眾", "The public", False),
]

# (name, recipient kind, real names, birth dates, cities, sources, narratives)
PROFILES = [
    ("Government (named where consented)", "government", True, True, True, True, True),
    ("UN special procedures (named where consented)", "un", True, True, True, True, True),
    ("Media and public (anonymised)", "public", False, False, False, True, True),
]


def seed(Term, RedactionProfile) -> None:
    """Make the terms and profiles that are missing; never change what admins edited."""
    for order, (vocabulary, code, hans, hant, en, death) in enumerate(TERMS):
        Term.objects.get_or_create(
            vocabulary=vocabulary,
            code=code,
            defaults={
                "label_zh_hans": hans,
                "label_zh_hant": hant,
                "label_en": en,
                "counts_as_death": death,
                "order": order,
            },
        )
    for name, kind, names, births, cities, sources, narratives in PROFILES:
        RedactionProfile.objects.get_or_create(
            name=name,
            defaults={
                "recipient_kind": Term.objects.get(vocabulary="recipient_kind", code=kind),
                "real_names": names,
                "birth_dates": births,
                "cities": cities,
                "sources": sources,
                "narratives": narratives,
            },
        )
