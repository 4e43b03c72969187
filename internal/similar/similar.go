// Package similar scores how alike two short texts are — a ticket's title
// and description against another's — in Chinese, English or both, without
// a dictionary: text is normalised (full-width to half-width, lower case,
// punctuation dropped), cut into runs the way internal/search cuts them,
// Han runs become character bigrams (a lone character stays a unigram),
// other runs words, common words that say nothing about the problem are
// dropped, and the score is the cosine of the two token-count vectors.
package similar

import (
	"math"
	"strings"
	"unicode"

	"switchboard/internal/search"
)

// Vector is a text's tokens with their counts.
type Vector map[string]float64

// Normalize folds full-width forms to half-width (ＡＢＣ１２３ → abc123, the
// ideographic space to a space) and lower-cases; punctuation, Chinese
// included (，。！？、：；“”), becomes a space so it separates words.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u3000':
			r = ' '
		case r >= '\uFF01' && r <= '\uFF5E':
			r -= 0xFEE0
		}
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Tokens returns the vector of s.
func Tokens(s string) Vector {
	v := Vector{}
	s = dropPhrases(Normalize(s))
	search.Runs(s, func(run []rune, cjk bool) {
		if !cjk {
			w := string(run)
			// Order numbers, phones, dates, versions name one case, not
			// the need: two reports of one outage carry different ones.
			if strings.ContainsAny(w, "0123456789") {
				return
			}
			if !stopWords[w] && !stopWords[stem(w)] {
				v[stem(w)]++
			}
			return
		}
		for _, part := range splitStop(run) {
			if len(part) == 1 {
				v[string(part)]++
				continue
			}
			for i := 0; i+1 < len(part); i++ {
				v[string(part[i:i+2])]++
			}
		}
	})
	return v
}

// Cosine is the cosine similarity of two vectors, 0 (nothing shared) to 1.
func Cosine(a, b Vector) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	var dot float64
	for t, x := range a {
		dot += x * b[t]
	}
	if dot == 0 {
		return 0
	}
	return dot / (norm(a) * norm(b))
}

// Score is Cosine(Tokens(a), Tokens(b)).
func Score(a, b string) float64 { return Cosine(Tokens(a), Tokens(b)) }

func norm(v Vector) float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// splitStop cuts a Han run at stop characters (的, 了, 吗 …), so they
// neither count nor glue the words around them into a false bigram.
func splitStop(run []rune) [][]rune {
	var parts [][]rune
	start := 0
	for i, r := range run {
		if stopChars[r] {
			if i > start {
				parts = append(parts, run[start:i])
			}
			start = i + 1
		}
	}
	if start < len(run) {
		parts = append(parts, run[start:])
	}
	return parts
}

// dropPhrases blanks multi-character Chinese stop phrases (你好, 谢谢 …).
func dropPhrases(s string) string {
	for _, p := range stopPhrases {
		s = strings.ReplaceAll(s, p, " ")
	}
	return s
}

// stem strips the commonest English endings so "printing", "printed" and
// "prints" meet "print"; short words are left alone.
func stem(w string) string {
	for _, suf := range []string{"ing", "ed", "es", "s"} {
		if len(w) > len(suf)+3 && strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}
