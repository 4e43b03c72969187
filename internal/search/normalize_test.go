package search

import (
	"slices"
	"strings"
	"testing"
)

func TestQueryTermsFoundInIndex(t *testing.T) {
	cases := []struct {
		text, query string
		want        bool
	}{
		{"这个问题很紧急", "紧急", true},
		{"这个问题很紧急", "问题很紧急", true},
		{"这个问题很紧急", "急", true},
		{"这个问题很紧急", "紧张", false},
		{"Server DOWN in Shanghai", "down", true},
		{"Server DOWN in Shanghai", "shanghai server", true},
		{"Server DOWN in Shanghai", "up", false},
		{"订单ORD-2024出错了", "ord", true},
		{"订单ORD-2024出错了", "2024 出错", true},
		{"订单ORD-2024出错了", "订单出错", false},
	}
	for _, c := range cases {
		idx := strings.Fields(IndexText(c.text))
		terms := QueryTerms(c.query)
		got := len(terms) > 0
		for _, term := range terms {
			if !slices.Contains(idx, term) {
				got = false
			}
		}
		if got != c.want {
			t.Errorf("text %q query %q: found=%v want %v (index %v, terms %v)", c.text, c.query, got, c.want, idx, terms)
		}
	}
}

func TestQueryTermsEmptyForPunctuation(t *testing.T) {
	if terms := QueryTerms("  !!，。 "); len(terms) != 0 {
		t.Fatalf("terms = %v, want none", terms)
	}
}

// TestMessageTermsInParts: the writer joins BodyTerms, computed on the
// intake path, with the title's terms; that must be exactly the terms of
// the whole, whatever the parts hold at their edges.
func TestMessageTermsInParts(t *testing.T) {
	parts := []string{"", " ", "紧急", "这个问题很紧急", "Server DOWN", "订单ORD-2024出错了", "—", "a", "急 ", " 紧", "Ünïcode ÄÖ"}
	for _, text := range parts {
		for _, sender := range parts {
			for _, title := range parts {
				whole := IndexText(text + " " + sender + " " + title)
				if got := WithTitle(BodyTerms(text, sender), title); got != whole {
					t.Errorf("text %q sender %q title %q: parts give %q, whole %q", text, sender, title, got, whole)
				}
			}
		}
	}
}
