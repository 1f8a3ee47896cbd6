import assert from "node:assert/strict";
import { familyOf, metricFamilies, metricNames } from "../support/promql-names";

describe("metric names in PromQL", () => {
  it("finds selectors with matchers, ranges and bare, but not functions, keywords or label names", () => {
    assert.deepEqual(
      metricNames(
        'sum by (status, kind) (rate(a_total{status=~"5..", kind!="x"}[5m])) / on (kind) group_left (job) sum without (pod) (rate(b_total[1h] offset 1d)) > bool 0',
      ),
      ["a_total", "b_total"],
    );
    assert.deepEqual(metricNames("histogram_quantile(0.99, sum(rate(lat_seconds_bucket[5m])) by (le)) and up_gauge unless c:recorded:rate5m"), [
      "lat_seconds_bucket",
      "up_gauge",
      "c:recorded:rate5m",
    ]);
  });

  it("ignores strings, numbers, durations and Grafana's variables", () => {
    assert.deepEqual(metricNames('label_replace(m, "dst", "$1", "src", "(foo)bar") * 1e3 + 0x1f - inf'), ["m"]);
    assert.deepEqual(metricNames("rate(m[$__rate_interval]) / ${divisor} + [[other]] - $__interval_ms"), ["m"]);
  });

  it("takes a name given by a __name__ matcher", () => {
    assert.deepEqual(metricNames('count({__name__="named_by_matcher", job="x"})'), ["named_by_matcher"]);
  });

  it("maps histogram and summary series to their family, and nothing else", () => {
    const families = metricFamilies(
      '# HELP h x\n# TYPE h histogram\nh_bucket{le="1"} 0\n# TYPE s summary\ns_sum 0\n# TYPE c_total counter\nc_total 1\n# TYPE g gauge\ng 0\n',
    );
    assert.equal(familyOf("h_bucket", families), "h");
    assert.equal(familyOf("h_count", families), "h");
    assert.equal(familyOf("s_sum", families), "s");
    assert.equal(familyOf("s_bucket", families), undefined);
    assert.equal(familyOf("c_total", families), "c_total");
    assert.equal(familyOf("g_sum", families), undefined);
    assert.equal(familyOf("made_up_metric", families), undefined);
  });
});
