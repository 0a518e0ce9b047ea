"""Splink 5 (DuckDB backend) configured as its documentation's FEBRL examples do, plus a
matching configuration for the generated CRM data. Used by the benchmark scripts only."""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

logging.getLogger("splink").setLevel(logging.WARNING)


def febrl_frame(frame: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """FEBRL frame with rec_id as a column, strings trimmed, empty as NULL."""
    out = frame.reset_index()
    for column in out.columns:
        out[column] = out[column].astype("string").str.strip().replace("", pd.NA)
    if source is not None:
        out["source_dataset"] = source
    return out


def _febrl_settings(link_type: str) -> SettingsCreator:
    if link_type == "link_only":  # the febrl4 example (detailed model)
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ]
    else:  # the febrl3 example
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )


def run_febrl(frames: list[pd.DataFrame], link_type: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """Train unsupervised (deterministic-rule prior, u by random sampling, EM on date of birth
    and on postcode) and predict; returns all scored pairs (rec_id_l, rec_id_r,
    match_probability, match_weight) and timings."""
    started = time.perf_counter()
    db_api = DuckDBAPI()
    tables = [db_api.register(f) for f in frames]
    linker = Linker(tables if len(tables) > 1 else tables[0], _febrl_settings(link_type))
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")],
        recall=0.8 if link_type == "link_only" else 0.9,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    em = {"estimate_without_term_frequencies": True} if link_type == "link_only" else {}
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), **em
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"), **em)
    trained = time.perf_counter()
    predictions = linker.inference.predict().as_pandas_dataframe()
    done = time.perf_counter()
    keep = ["rec_id_l", "rec_id_r", "match_probability", "match_weight"]
    return predictions[keep], {"train_s": trained - started, "predict_s": done - trained}


# ---- generated CRM data ----------------------------------------------------------------------


def crm_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """The generated CRM CSV prepared the way a Splink user would: lower-cased names, digits-only
    VAT, ISO birth dates, company name without legal form, NULL for empty."""
    out = pd.DataFrame({"rec_id": rows["record_id"], "kind": rows["kind"]})
    lower = lambda c: rows[c].fillna("").str.lower().str.strip()
    out["given_name"] = lower("given_name")
    out["family_name"] = lower("family_name")
    out["company"] = (
        lower("company_name")
        .str.replace(r"\b(s\.?r\.?l\.?s?|s\.?p\.?a\.?|s\.?n\.?c\.?|s\.?a\.?s\.?)$", "", regex=True)
        .str.strip()
    )
    out["email"] = lower("email")
    out["phone"] = rows["phone"].fillna("")
    out["vat"] = rows["vat"].fillna("").str.replace("IT", "", regex=False)
    out["cf"] = rows["codice_fiscale"].fillna("")
    dob = pd.to_datetime(rows["birth_date"], format="mixed", dayfirst=True, errors="coerce")
    out["dob"] = dob.dt.strftime("%Y-%m-%d").fillna("")
    out["street"] = lower("street")
    out["house_number"] = lower("house_number")
    out["postcode"] = rows["postcode"].fillna("").astype(str)
    out["city"] = lower("city")
    return out.replace("", pd.NA)


def crm_settings() -> SettingsCreator:
    blocking = [
        block_on("email"),
        block_on("phone"),
        block_on("vat"),
        block_on("cf"),
        block_on("family_name", "postcode"),
        block_on("company", "city"),
        block_on("dob", "substr(family_name, 1, 3)"),
        block_on("given_name", "family_name"),
        "l.given_name = r.family_name and l.family_name = r.given_name",
        block_on("company"),
    ]
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("dob", input_is_string=True, invalid_dates_as_null=True),
        cl.DamerauLevenshteinAtThresholds("cf", [1]),
        cl.JaroWinklerAtThresholds("company", [0.95, 0.88]).configure(
            term_frequency_adjustments=True
        ),
        cl.ExactMatch("vat"),
        cl.EmailComparison("email"),
        cl.ExactMatch("phone"),
        cl.JaroWinklerAtThresholds("street", [0.95, 0.85]),
        cl.ExactMatch("house_number"),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]).configure(
            term_frequency_adjustments=True
        ),
        cl.JaroWinklerAtThresholds("city", [0.9]).configure(term_frequency_adjustments=True),
    ]
    return SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            f"({rule.get_blocking_rule('duckdb').blocking_rule_sql}) and l.kind = r.kind"
            if not isinstance(rule, str)
            else f"({rule}) and l.kind = r.kind"
            for rule in blocking
        ],
        comparisons=comparisons,
    )


def run_crm(
    frame: pd.DataFrame, threshold: float
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Unsupervised training and prediction on the CRM frame, then Splink's connected-component
    clustering at ``threshold``. Returns (scored pairs >= 0.01, clusters, timings)."""
    started = time.perf_counter()
    db_api = DuckDBAPI()
    table = db_api.register(frame)
    linker = Linker(table, crm_settings())
    linker.training.estimate_probability_two_random_records_match(
        [block_on("cf"), block_on("vat"), block_on("email")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    # EM on tight blocks, the ones crmhub trains on too; a wide block such as postcode alone
    # produces hundreds of millions of pairs at 1M records (Rome's postcodes)
    for rule in (block_on("email"), block_on("cf"), block_on("dob", "substr(family_name, 1, 3)")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.01)
    predicted = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    clustered = time.perf_counter()
    pairs = predictions.as_pandas_dataframe()[
        ["rec_id_l", "rec_id_r", "match_probability", "match_weight"]
    ]
    cluster_frame = clusters.as_pandas_dataframe()[["rec_id", "cluster_id"]]
    return (
        pairs,
        cluster_frame,
        {
            "train_s": trained - started,
            "predict_s": predicted - trained,
            "cluster_s": clustered - predicted,
        },
    )
