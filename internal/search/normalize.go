// Package search turns text into the form both databases index: Han runs
// become unigrams and bigrams (so two-character words such as 紧急 are found
// without a dictionary), everything else becomes lower-case words.
package search

import (
	"strings"
	"unicode"
)

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r)
}

// segments splits text into runs: CJK runs and word runs (letters/digits).
func segments(text string, emit func(run []rune, cjk bool)) {
	var run []rune
	cjk := false
	flush := func() {
		if len(run) > 0 {
			emit(run, cjk)
			run = run[:0]
		}
	}
	for _, r := range text {
		switch {
		case isCJK(r):
			if !cjk {
				flush()
				cjk = true
			}
			run = append(run, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if cjk {
				flush()
				cjk = false
			}
			run = append(run, unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
}

// IndexText returns the space-separated tokens to index for text.
func IndexText(text string) string {
	var b strings.Builder
	b.Grow(len(text) * 3)
	add := func(tok string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	segments(text, func(run []rune, cjk bool) {
		if !cjk {
			add(string(run))
			return
		}
		for i := range run {
			add(string(run[i]))
			if i+1 < len(run) {
				add(string(run[i : i+2]))
			}
		}
	})
	return b.String()
}

// QueryTerms turns a user's query into tokens that must all be present:
// a Han run of one character is a unigram, longer runs are their bigrams.
// The result is empty when the query has no searchable characters.
func QueryTerms(q string) []string {
	var terms []string
	seen := map[string]bool{}
	add := func(t string) {
		if !seen[t] {
			seen[t] = true
			terms = append(terms, t)
		}
	}
	segments(q, func(run []rune, cjk bool) {
		if !cjk || len(run) == 1 {
			add(string(run))
			return
		}
		for i := 0; i+1 < len(run); i++ {
			add(string(run[i : i+2]))
		}
	})
	return terms
}

// MessageTerms is what a message is found by: its text, its sender's name
// and its conversation's title. Every writer of the index uses it.
func MessageTerms(text, sender, title string) string {
	return WithTitle(BodyTerms(text, sender), title)
}

// BodyTerms is the part of MessageTerms that depends on the message alone,
// so the intake path computes it before the message reaches the single
// writer, which only adds the title: MessageTerms(text, sender, title) is
// WithTitle(BodyTerms(text, sender), title).
func BodyTerms(text, sender string) string { return IndexText(text + " " + sender) }

// WithTitle adds a conversation title's terms to a message's BodyTerms.
func WithTitle(body, title string) string { return JoinTerms(body, IndexText(title)) }

// JoinTerms joins the terms of two texts into the terms of both: a space
// separates runs, so indexing two texts joined by one is the same as
// joining their terms.
func JoinTerms(a, b string) string {
	switch {
	case b == "":
		return a
	case a == "":
		return b
	}
	return a + " " + b
}
