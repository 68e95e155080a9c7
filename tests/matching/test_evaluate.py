"""Metrics: MRR, nDCG@10, recall, the Stelmakh pairwise-ordering loss and the cross-request loss."""

from __future__ import annotations

import math

import pytest

from matching.evaluate import cross_request_loss, has_graded_pairs, is_complete, pairwise_loss, retrieval_metrics


def test_retrieval_metrics_on_a_hand_computed_run() -> None:
    run = {"q1": {"a": 3.0, "b": 2.0, "c": 1.0}, "q2": {"a": 1.0, "b": 2.0}}
    qrels = {"q1": {"a": 1}, "q2": {"a": 2, "b": 1}}
    m = retrieval_metrics(run, qrels)
    assert m["MRR"] == pytest.approx((1 + 0.5) / 2)
    assert m["R@1"] == pytest.approx(0.5)
    assert m["R@10"] == pytest.approx(1.0)
    ndcg_q2 = (1 + 3 / math.log2(3)) / (3 + 1 / math.log2(3))
    assert m["nDCG@10"] == pytest.approx((1 + ndcg_q2) / 2)


def test_missing_request_counts_as_zero() -> None:
    assert retrieval_metrics({}, {"q": {"a": 1}})["MRR"] == 0.0


def test_pairwise_loss_counts_wrong_orders_and_half_ties() -> None:
    qrels = {"p1": {"e": 3}, "p2": {"e": 1}, "p3": {"e": 2}, "p4": {"f": 2}, "p5": {"f": 1}}
    run = {"p1": {"e": 0.1}, "p2": {"e": 0.5}, "p3": {"e": 0.5}, "p4": {"f": 0.9}, "p5": {"f": 0.2}}
    # e: (p1>p2) wrong, (p1>p3) wrong, (p3>p2) tie -> 2.5/3 ; f: right -> 0
    assert pairwise_loss(run, qrels) == pytest.approx((2.5 / 3 + 0) / 2)
    assert has_graded_pairs(qrels)


def test_pairwise_loss_is_none_without_graded_pairs() -> None:
    assert pairwise_loss({}, {"p": {"e": 1}}) is None
    assert not has_graded_pairs({"p": {"e": 1}, "q": {"e": 1}})


def test_cross_request_loss_compares_an_experts_own_request_with_the_others() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}, "q3": {"a": 1}}
    run = {
        "q1": {"a": 0.5, "b": 0.1},
        "q2": {"a": 0.9, "b": 0.4},  # a: q2 (not its own) above both its own; b: q2 above q1, tied with q3
        "q3": {"a": 0.2, "b": 0.4},
    }
    # a's own q1 and q3 against its other request q2: both below it -> 1, 1; b's own q2 against q1 (below) and
    # q3 (tied) -> 0.5 / 2
    assert cross_request_loss(run, qrels) == pytest.approx((1 + 1 + 0.25) / 3)
    assert is_complete(run)
    del run["q3"]["b"]  # a missing pair scores minus infinity, below b's own
    assert cross_request_loss(run, qrels) == pytest.approx((1 + 1 + 0) / 3)
    assert not is_complete(run)
    assert cross_request_loss(run, {"q1": {"a": 0}}) is None
