package ticket

import (
	"fmt"
	"math"

	"switchboard/internal/errcode"
	"switchboard/internal/model"
)

// DefaultWeights apply until an admin sets their own: reach and severity
// count most, then business relevance, then effort and strategic fit.
var DefaultWeights = model.PriorityWeights{UsersAffected: 3, Severity: 3, BusinessRelevance: 2, Effort: 1, StrategicFit: 1}

// DefaultPriority is what an unscored ticket gets.
const DefaultPriority = "P3"

// Thresholds turn a 0–100 score into a priority: the first whose minimum
// the score reaches.
var Thresholds = []struct {
	Min      int
	Priority string
}{{75, "P1"}, {50, "P2"}, {25, "P3"}, {0, "P4"}}

const (
	formula    = "weighted = Σ(weight × effective) / Σweight, effective = value (effort: 6 − value); score = round((weighted − 1) / 4 × 100)"
	thresholds = "P1 ≥ 75, P2 ≥ 50, P3 ≥ 25, P4 below"
)

// CheckFactors accepts all five factors 1–5, or none.
func CheckFactors(f model.PriorityFactors) error {
	if f.Zero() {
		return nil
	}
	for _, v := range factorList(f, model.PriorityWeights{}) {
		if v.Value < 1 || v.Value > 5 {
			return errcode.BadFactor.With("%s = %d", v.Factor, v.Value)
		}
	}
	return nil
}

// CheckWeights accepts weights 0–10 with at least one above 0.
func CheckWeights(w model.PriorityWeights) error {
	sum := 0
	for _, v := range factorList(model.PriorityFactors{}, w) {
		if v.Weight < 0 || v.Weight > 10 {
			return errcode.BadWeights.With("%s = %d", v.Factor, v.Weight)
		}
		sum += v.Weight
	}
	if sum == 0 {
		return errcode.BadWeights.With("all weights are 0")
	}
	return nil
}

func factorList(f model.PriorityFactors, w model.PriorityWeights) []model.FactorScore {
	return []model.FactorScore{
		{Factor: "users_affected", Value: f.UsersAffected, Weight: w.UsersAffected},
		{Factor: "severity", Value: f.Severity, Weight: w.Severity},
		{Factor: "business_relevance", Value: f.BusinessRelevance, Weight: w.BusinessRelevance},
		{Factor: "effort", Value: f.Effort, Weight: w.Effort},
		{Factor: "strategic_fit", Value: f.StrategicFit, Weight: w.StrategicFit},
	}
}

// Score computes a score, its priority and how they were reached. Effort
// counts inverted: a small job (1) ranks higher than a large one (5).
// Factors must have passed CheckFactors and weights CheckWeights.
func Score(f model.PriorityFactors, w model.PriorityWeights) model.ScoreExplanation {
	e := model.ScoreExplanation{Formula: formula, Thresholds: thresholds, Priority: DefaultPriority}
	if f.Zero() {
		return e
	}
	fs := factorList(f, w)
	sum, num := 0, 0
	for _, v := range fs {
		sum += v.Weight
	}
	for i := range fs {
		fs[i].Effective = fs[i].Value
		if fs[i].Factor == "effort" {
			fs[i].Effective = 6 - fs[i].Value
		}
		num += fs[i].Weight * fs[i].Effective
		fs[i].Contribution = round2(float64(fs[i].Weight*fs[i].Effective) / float64(sum))
	}
	e.Scored, e.Factors = true, fs
	e.Weighted = round2(float64(num) / float64(sum))
	// round(25 × (num − sum) / sum) in integers, half up, so a score on a
	// threshold is not lost to floating point.
	e.Score = (100*(num-sum) + 2*sum) / (4 * sum)
	e.Priority = PriorityOf(e.Score)
	return e
}

// PriorityOf maps a 0–100 score to P1–P4.
func PriorityOf(score int) string {
	for _, t := range Thresholds {
		if score >= t.Min {
			return t.Priority
		}
	}
	return "P4"
}

// KnownPriority reports whether p is one of P1–P4.
func KnownPriority(p string) bool {
	for _, t := range Thresholds {
		if t.Priority == p {
			return true
		}
	}
	return false
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// String renders an explanation on one line, for history entries.
func summary(e model.ScoreExplanation) string {
	if !e.Scored {
		return e.Priority + " (unscored)"
	}
	return fmt.Sprintf("%s (score %d)", e.Priority, e.Score)
}
