package postgres

import "switchboard/internal/store/sqldb"

// Dialect returns PostgreSQL's side of sqldb.Dialect, for tools that write
// rows directly (migrate copy rebuilds the search index with its
// IndexMessages, so copied messages are indexed exactly as new ones are).
func Dialect() sqldb.Dialect { return dialect{} }
