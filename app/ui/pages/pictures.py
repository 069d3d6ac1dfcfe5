"""Pictures: the data-flow diagram with trust boundaries, a risk matrix and an ATLAS heat map."""

from __future__ import annotations

import streamlit as st

from app.export.diagram import to_dot, to_mermaid
from app.pictures import atlas_heatmap, risk_matrix
from app.ui.resources import latest_model_or_stop, services

_, model = latest_model_or_stop("Pictures")

st.subheader("Data-flow diagram")
st.caption("Dashed boxes are trust boundaries; red arrows cross one.")
st.graphviz_chart(to_dot(model), width="stretch")
with st.expander("Mermaid source"):
    st.code(to_mermaid(model), language="text")

st.subheader("Risk matrix (likelihood × impact, from DREAD)")
matrix = risk_matrix(model)
st.dataframe(matrix.table, width="stretch", key="risk_matrix")
st.caption("Likelihood = mean of reproducibility, exploitability, discoverability; impact = mean of damage and "
           "affected users. Cells list threat ids.")

st.subheader("ATLAS tactics × techniques in this model")
heat = atlas_heatmap(model, services().kb)
if heat:
    st.dataframe(heat, width="stretch", hide_index=True, key="atlas_heatmap")
else:
    st.caption("No ATLAS techniques in the model yet.")
