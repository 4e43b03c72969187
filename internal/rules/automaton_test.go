package rules

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// found returns the keywords the automaton reports in text, sorted and
// distinct. It scans with each of the automaton's three forms (16-bit DFA,
// 32-bit DFA, trie with fail links) and fails the test if they disagree.
func found(t testing.TB, keywords []string, text string) []string {
	lower := make([]string, len(keywords))
	for i, k := range keywords {
		lower[i] = strings.ToLower(k)
	}
	var results [][]string
	for _, a := range forms(buildAutomaton(lower)) {
		var out []string
		a.scan(foldText(text), func(kw int32) {
			if !slices.Contains(out, lower[kw]) {
				out = append(out, lower[kw])
			}
		})
		slices.Sort(out)
		if len(results) > 0 && !slices.Equal(out, results[0]) {
			t.Fatalf("automaton forms disagree on %q in %q: %q vs %q", keywords, text, out, results[0])
		}
		results = append(results, out)
	}
	return results[0]
}

// forms returns a as built plus copies forced onto the other scan paths.
func forms(a *automaton) []*automaton {
	trie := *a
	trie.delta16, trie.delta32 = nil, nil
	if a.delta16 == nil {
		return []*automaton{a, &trie}
	}
	wide := *a
	wide.delta16, wide.delta32 = nil, make([]int32, len(a.delta16))
	for i, v := range a.delta16 {
		wide.delta32[i] = int32(v)
	}
	return []*automaton{a, &wide, &trie}
}

// naive is the reference: strings.Contains over strings.ToLower.
func naive(keywords []string, text string) []string {
	var out []string
	t := strings.ToLower(text)
	for _, k := range keywords {
		if l := strings.ToLower(k); strings.Contains(t, l) && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

func TestAutomaton(t *testing.T) {
	tests := []struct {
		name     string
		keywords []string
		text     string
		want     []string
	}{
		{"chinese two-char words", []string{"紧急", "审批", "需跟进"}, "这个需求很紧急，请尽快审批", []string{"审批", "紧急"}},
		{"chinese overlapping", []string{"待审批", "审批"}, "合同待审批", []string{"审批", "待审批"}},
		{"chinese no false hit across runes", []string{"急审"}, "紧急 审批", nil},
		{"english case-insensitive", []string{"Urgent", "ASAP"}, "URGENT: reply asap!", []string{"asap", "urgent"}},
		{"english substring, no word boundary", []string{"ai"}, "please send the email", []string{"ai"}},
		{"suffix of another keyword", []string{"she", "he", "hers", "his"}, "ushers", []string{"he", "hers", "she"}},
		{"fail link inside keyword", []string{"abcd", "bc"}, "xabcx", []string{"bc"}},
		{"mixed scripts", []string{"P1故障", "宕机"}, "p1故障：服务器宕机了", []string{"p1故障", "宕机"}},
		{"non-ascii upper case", []string{"ÉTÉ"}, "un été chaud", []string{"été"}},
		{"full text", []string{"紧急"}, "紧急", []string{"紧急"}},
		{"nothing", []string{"紧急"}, "一切正常", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := found(t, tt.keywords, tt.text)
			if !slices.Equal(got, tt.want) {
				t.Errorf("found %q, want %q", got, tt.want)
			}
			if ref := naive(tt.keywords, tt.text); !slices.Equal(got, ref) {
				t.Errorf("automaton %q disagrees with strings.Contains %q", got, ref)
			}
		})
	}
}

func TestFoldTextSkipsCopyWithoutUpperCase(t *testing.T) {
	text := "这个需求很紧急 please approve"
	if got := foldText(text); got != text {
		t.Fatalf("foldText changed %q to %q", text, got)
	}
	if got := foldText("ÀB紧急"); got != "àb紧急" {
		t.Fatalf("foldText(ÀB紧急) = %q", got)
	}
}

// FuzzAutomaton checks the automaton against strings.Contains. The keywords
// are the '|'-separated parts of the first input.
func FuzzAutomaton(f *testing.F) {
	seeds := [][2]string{
		{"紧急|审批|需跟进|待审批", "【紧急】合同待审批，需跟进"},
		{"urgent|ASAP|Approve", "Urgent!! please APPROVE asap"},
		{"she|he|hers|his", "ushers and his"},
		{"aa|aaa|a", "aaaaab"},
		{"ÉTÉ|straße", "UN ÉTÉ, STRASSE straße"},
		{"\xff|a", "\xffa\xfe"},
		{"İ|k", "İstanbul K"},
		{"急|紧", "紧急"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kws, text string) {
		if len(kws) > 2000 || len(text) > 4000 {
			return // beyond rule limits; large inputs only slow minimization
		}
		var keywords []string
		for _, k := range strings.Split(kws, "|") {
			if k != "" && !slices.Contains(keywords, strings.ToLower(k)) {
				keywords = append(keywords, strings.ToLower(k))
			}
		}
		if len(keywords) == 0 {
			return
		}
		got, want := found(t, keywords, text), naive(keywords, text)
		if !slices.Equal(got, want) {
			t.Fatalf("keywords %q in %q: automaton %q, strings.Contains %q", keywords, text, got, want)
		}
	})
}

// TestCaselessLeadBlocks backs foldText's shortcut: no rune in the blocks
// caselessLead skips changes under unicode.ToLower.
func TestCaselessLeadBlocks(t *testing.T) {
	for _, block := range [][2]rune{{0x3000, 0x9FFF}, {0xB000, 0xCFFF}} {
		for r := block[0]; r <= block[1]; r++ {
			var buf [4]byte
			if n := utf8.EncodeRune(buf[:], r); n != 3 || !caselessLead(buf[0]) {
				t.Fatalf("%U: lead byte %x not covered", r, buf[0])
			}
			if unicode.ToLower(r) != r {
				t.Fatalf("%U changes under ToLower", r)
			}
		}
	}
}
