package search

// Runs calls emit for each run of text the index splits it into: a CJK run
// (cjk true, characters as written) or a lower-cased word of letters and
// digits. Punctuation and spaces separate runs. Other packages that compare
// texts (duplicate detection) use it so they cut text the way search does.
func Runs(text string, emit func(run []rune, cjk bool)) { segments(text, emit) }
