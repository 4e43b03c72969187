package ticket

import (
	"errors"
	"testing"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

func factors(u, s, b, e, f int) model.PriorityFactors {
	return model.PriorityFactors{UsersAffected: u, Severity: s, BusinessRelevance: b, Effort: e, StrategicFit: f}
}

func TestScoreTable(t *testing.T) {
	equal := model.PriorityWeights{UsersAffected: 1, Severity: 1, BusinessRelevance: 1, Effort: 1, StrategicFit: 1}
	onlySeverity := model.PriorityWeights{Severity: 1}
	cases := []struct {
		name     string
		f        model.PriorityFactors
		w        model.PriorityWeights
		score    int
		priority string
	}{
		{"everything at most, least effort", factors(5, 5, 5, 1, 5), DefaultWeights, 100, "P1"},
		{"everything at least, most effort", factors(1, 1, 1, 5, 1), DefaultWeights, 0, "P4"},
		// (3·4 + 3·5 + 2·3 + 1·(6−2) + 1·3) / 10 = 4.0 → 75
		{"outage for many", factors(4, 5, 3, 2, 3), DefaultWeights, 75, "P1"},
		// (3·2 + 3·3 + 2·3 + 1·3 + 1·3) / 10 = 2.7 → 42.5 → 43
		{"middling", factors(2, 3, 3, 3, 3), DefaultWeights, 43, "P3"},
		// equal weights: (3+3+3+3+3)/5 = 3 → 50: exactly the P2 threshold
		{"P2 threshold", factors(3, 3, 3, 3, 3), equal, 50, "P2"},
		// (2+2+2+(6−5)+2)/5 = 1.8 → 20 → P4
		{"big job of little value", factors(2, 2, 2, 5, 2), equal, 20, "P4"},
		{"weights pick one factor", factors(1, 5, 1, 5, 1), onlySeverity, 100, "P1"},
	}
	for _, c := range cases {
		e := Score(c.f, c.w)
		if e.Score != c.score || e.Priority != c.priority || !e.Scored {
			t.Errorf("%s: score %d %s, want %d %s", c.name, e.Score, e.Priority, c.score, c.priority)
		}
		sum := 0.0
		for _, fs := range e.Factors {
			sum += fs.Contribution
		}
		if len(e.Factors) != 5 || sum < e.Weighted-0.05 || sum > e.Weighted+0.05 {
			t.Errorf("%s: contributions %+v do not add up to %.2f", c.name, e.Factors, e.Weighted)
		}
	}
}

func TestScoreExplainsEffortInverted(t *testing.T) {
	e := Score(factors(3, 3, 3, 1, 3), DefaultWeights)
	for _, fs := range e.Factors {
		if fs.Factor == "effort" && (fs.Value != 1 || fs.Effective != 5 || fs.Weight != 1) {
			t.Errorf("effort explained as %+v, want value 1 counted as 5 with weight 1", fs)
		}
	}
	if e.Formula == "" || e.Thresholds == "" {
		t.Error("explanation lacks the formula or thresholds")
	}
}

func TestUnscoredGetsDefault(t *testing.T) {
	e := Score(model.PriorityFactors{}, DefaultWeights)
	if e.Scored || e.Priority != DefaultPriority || len(e.Factors) != 0 {
		t.Errorf("unscored = %+v", e)
	}
}

func TestPriorityThresholds(t *testing.T) {
	for score, want := range map[int]string{100: "P1", 75: "P1", 74: "P2", 50: "P2", 49: "P3", 25: "P3", 24: "P4", 0: "P4"} {
		if got := PriorityOf(score); got != want {
			t.Errorf("PriorityOf(%d) = %s, want %s", score, got, want)
		}
	}
}

func TestFactorAndWeightValidation(t *testing.T) {
	for _, f := range []model.PriorityFactors{factors(0, 3, 3, 3, 3), factors(6, 3, 3, 3, 3), factors(3, 3, 3, 3, -1)} {
		if err := CheckFactors(f); !errors.Is(err, errcode.BadFactor) {
			t.Errorf("factors %+v: %v, want %s", f, err, errcode.BadFactor.Code)
		}
	}
	if err := CheckFactors(model.PriorityFactors{}); err != nil {
		t.Errorf("no factors: %v", err)
	}
	for _, w := range []model.PriorityWeights{{}, {Severity: 11}, {Severity: 3, Effort: -1}} {
		if err := CheckWeights(w); !errors.Is(err, errcode.BadWeights) {
			t.Errorf("weights %+v: %v, want %s", w, err, errcode.BadWeights.Code)
		}
	}
}
