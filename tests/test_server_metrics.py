"""Reading the server's summed response time from Prometheus text (compliance.server_metrics)."""

from __future__ import annotations

from compliance.server_metrics import response_time_totals

METRICS = """# HELP response_time The time taken to respond to each request
# TYPE response_time histogram
response_time_bucket{http_method="POST",path="/v2/sum",status_code="200",le="0.005"} 8
response_time_sum{http_method="POST",path="/v2/sum",status_code="200"} 0.25
response_time_count{http_method="POST",path="/v2/sum",status_code="200"} 16
response_time_sum{http_method="POST",path="/v2/max",status_code="400"} 1.5e-2
response_time_count{http_method="POST",path="/v2/max",status_code="400"} 3
response_time_sum{http_method="GET",path="/.well-known/reductionist-schema",status_code="200"} 9
response_time_count{http_method="GET",path="/.well-known/reductionist-schema",status_code="200"} 2
"""


def test_posts_are_summed_over_routes_and_statuses_and_gets_left_out() -> None:
    assert response_time_totals(METRICS) == (0.25 + 0.015, 19)


def test_a_server_without_the_histogram_has_no_totals() -> None:
    assert response_time_totals("# nothing here\nother_metric 1\n") is None


def test_the_histogram_before_any_post_is_zero() -> None:
    before = "\n".join(line for line in METRICS.splitlines() if 'method="POST"' not in line)
    assert response_time_totals(before) == (0.0, 0)
