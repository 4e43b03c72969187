package console

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
)

// part is a piece of a message's text; Mark is set on a piece that matches
// one of the reader's highlight keywords. Templates print each piece as text,
// so the auto-escaper handles message text and only <mark> is markup.
type part struct {
	Text string
	Mark bool
}

// keywordSeparators split the settings form's highlight list: commas (ASCII
// and full-width), the Chinese enumeration comma, semicolons and newlines.
const keywordSeparators = ",，、;；\n\r"

// splitKeywords reads a typed keyword list.
func splitKeywords(s string) []string {
	return cleanKeywords(strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(keywordSeparators, r) }))
}

// cleanKeywords trims keywords and drops blanks and repeats (ignoring case),
// also for lists stored through the API, which does not tidy them.
func cleanKeywords(ks []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, k := range ks {
		k = strings.TrimSpace(k)
		if f := string(foldRunes([]rune(k))); k != "" && !seen[f] {
			seen[f] = true
			out = append(out, k)
		}
	}
	return out
}

// matcher finds highlight keywords in text, ignoring case.
type matcher [][]rune

// newMatcher folds the keywords once; longer ones come first so "二号线停机"
// wins over "停机" where both match.
func newMatcher(keywords []string) matcher {
	var m matcher
	for _, k := range keywords {
		if f := foldRunes([]rune(strings.TrimSpace(k))); len(f) > 0 {
			m = append(m, f)
		}
	}
	slices.SortStableFunc(m, func(a, b []rune) int { return cmp.Compare(len(b), len(a)) })
	return m
}

// foldRunes lowers rune by rune: lowering the whole string can change its
// length (and so every offset after a letter like "İ"), rune by rune cannot.
func foldRunes(rs []rune) []rune {
	out := make([]rune, len(rs))
	for i, r := range rs {
		out[i] = unicode.ToLower(r)
	}
	return out
}

// parts splits s into plain and marked pieces. Working on runes keeps every
// cut on a character boundary, so Chinese text is never split mid-character.
func (m matcher) parts(s string) []part {
	if len(m) == 0 || s == "" {
		return []part{{Text: s}}
	}
	text := []rune(s)
	folded := foldRunes(text)
	var out []part
	start := 0
	for i := 0; i < len(text); {
		n := m.matchAt(folded, i)
		if n == 0 {
			i++
			continue
		}
		out = appendPart(out, part{Text: string(text[start:i])})
		out = appendPart(out, part{Text: string(text[i : i+n]), Mark: true})
		i += n
		start = i
	}
	return appendPart(out, part{Text: string(text[start:])})
}

// matchAt is the length of the longest keyword starting at folded[i], or 0.
func (m matcher) matchAt(folded []rune, i int) int {
	for _, k := range m {
		if len(k) <= len(folded)-i && slices.Equal(folded[i:i+len(k)], k) {
			return len(k)
		}
	}
	return 0
}

// appendPart drops empty pieces and joins neighbours of the same kind, so
// two adjacent keywords become one <mark>.
func appendPart(ps []part, p part) []part {
	if p.Text == "" {
		return ps
	}
	if n := len(ps); n > 0 && ps[n-1].Mark == p.Mark {
		ps[n-1].Text += p.Text
		return ps
	}
	return append(ps, p)
}
