"""Station coverage map: the protection network drawn over the schematic street cells."""

import pandas as pd
import streamlit as st

from dashboard import context, data, layout, maps
from dashboard.i18n import format_moment, label, t

ctx = context.current()
lang = ctx.lang
layout.page_header(ctx, "map.title")

streets = data.streets(ctx.scope)
if ctx.filters.street_id:
    streets = streets[streets["id"] == ctx.filters.street_id]
stations = data.stations(ctx.scope, ctx.filters)

left, right = st.columns([3, 1])
with left:
    st.pydeck_chart(maps.coverage_deck(streets, stations, lang), height=560, key="coverage-map")
    st.caption(t("map.schematic", lang))
with right:
    st.markdown(f"**{t('map.legend', lang)}**")
    for kind, colour in maps.STATION_COLOURS.items():
        st.markdown(
            f"<span style='color:rgb({colour[0]},{colour[1]},{colour[2]})'>●</span> {label('station_kind', kind, lang)}",
            unsafe_allow_html=True,
        )
    st.markdown(
        f"<span style='color:rgb({maps.STREET_LINE[0]},{maps.STREET_LINE[1]},{maps.STREET_LINE[2]})'>▭</span> "
        f"{t('map.layer.streets', lang)}",
        unsafe_allow_html=True,
    )

st.subheader(t("map.stations", lang))
table = stations.assign(
    kind_label=[label("station_kind", k, lang) for k in stations["kind"]],
    status_label=[label("station_status", s, lang) for s in stations["status"]],
    opened=[format_moment(d) for d in stations["opened_on"]],
    street=stations["street_en" if lang == "en" else "street_zh"].fillna(t("filter.all_streets", lang)),
    beds=[f"{beds:.0f}" if pd.notna(beds) else "" for beds in stations["beds"]],
)
st.dataframe(
    table[["name_en" if lang == "en" else "name_zh", "kind_label", "street", "status_label", "opened", "beds"]],
    hide_index=True,
    width="stretch",
    column_config={
        "name_en" if lang == "en" else "name_zh": t("col.name", lang),
        "kind_label": t("col.kind", lang),
        "street": t("col.street", lang),
        "status_label": t("col.status", lang),
        "opened": t("col.opened_on", lang),
        "beds": t("col.beds", lang),
    },
)
