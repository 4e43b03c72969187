// Package copy moves a whole installation from the embedded SQLite store to
// PostgreSQL, row for row with ids preserved, so a single node can become a
// cluster without losing or changing anything. It works at the SQL level:
// sealed columns are copied as the same bytes (the nodes then use the same
// key file), and only the search index, which SQLite keeps in a contentless
// FTS5 table, is rebuilt from the message text.
package copy

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Table is one table to copy. Both dialects' migrations create it with the
// same column names; Columns checks that before anything is written.
type Table struct {
	Name     string
	Cols     []string
	Order    string          // a unique ordering, so reads are repeatable and checksums comparable
	Bools    map[string]bool // columns SQLite stores as 0/1 and PostgreSQL as BOOLEAN
	Blobs    map[string]bool // NOT NULL byte columns, where SQLite's driver reads an empty value as NULL
	Identity bool            // id is a PostgreSQL identity column whose sequence must move past max(id)
	// Seeded tables get rows from the migrations themselves (built-in
	// ticket types, the ticket number counter): the target's seed rows do
	// not make it "not empty", and are replaced by the source's rows.
	Seeded bool
}

// Tables lists every table in an order that satisfies the foreign keys
// (org units are created parent first, so ordering by id does too).
var Tables = []Table{
	{Name: "org_units", Cols: cols("id parent_id name kind created_at"), Order: "id", Identity: true},
	{Name: "org_unit_paths", Cols: cols("ancestor descendant"), Order: "ancestor, descendant"},
	{Name: "users", Cols: cols("id login name email password_hash disabled created_at"), Order: "id",
		Bools: set("disabled"), Identity: true},
	{Name: "user_roles", Cols: cols("user_id role org_unit_id"), Order: "user_id, role, org_unit_id"},
	{Name: "api_tokens", Cols: cols("id user_id name hash created_at expires_at"), Order: "id",
		Blobs: set("hash"), Identity: true},
	{Name: "sessions", Cols: cols("hash user_id expires_at"), Order: "hash", Blobs: set("hash")},
	{Name: "channels", Cols: cols("id kind name org_unit_id config enabled created_at updated_at"), Order: "id",
		Bools: set("enabled"), Blobs: set("config"), Identity: true},
	{Name: "dingtalk_sessions", Cols: cols("channel_id conversation_id route expires_at updated_at"),
		Order: "channel_id, conversation_id", Blobs: set("route")},
	{Name: "inbox", Cols: cols("id channel_id external_id envelope received_at done owner lease_until"), Order: "id",
		Blobs: set("envelope"), Identity: true},
	{Name: "people", Cols: cols("id name email org_unit_id created_at mobile department linked_to link_manual"), Order: "id",
		Bools: set("link_manual"), Identity: true},
	{Name: "identities", Cols: cols("id person_id channel_id external_id name profile_name department email email_verified " +
		"mobile mobile_verified profile_state profile_attempts profile_next_at profile_owner profile_lease_until profile_at"),
		Order: "id", Bools: set("email_verified", "mobile_verified"), Identity: true},
	{Name: "conversations", Cols: cols("id channel_id org_unit_id external_id title last_message_at message_count"),
		Order: "id", Identity: true},
	{Name: "messages", Cols: cols("id channel_id channel_kind org_unit_id conversation_id external_id direction " +
		"sender_id sender_name kind body sent_at received_at media_state"), Order: "id", Blobs: set("body"), Identity: true},
	{Name: "attachment_fetches", Cols: cols("message_id channel_id state attempts next_at owner lease_until last_error updated_at"),
		Order: "message_id"},
	{Name: "person_conversations", Cols: cols("person_id id_window conversation_id org_unit_id"),
		Order: "person_id, id_window, conversation_id, org_unit_id"},
	{Name: "message_tags", Cols: cols("message_id tag"), Order: "message_id, tag"},
	{Name: "message_class", Cols: cols("message_id category priority retention_class confidential"), Order: "message_id"},
	{Name: "stars", Cols: cols("user_id message_id"), Order: "user_id, message_id"},
	{Name: "reads", Cols: cols("user_id message_id read_at"), Order: "user_id, message_id"},
	{Name: "deliveries", Cols: cols("id channel_id message_id conversation_id destination payload idem_key state " +
		"attempts next_attempt_at lease_until owner last_error external_id notification_id prev_id fallback created_at updated_at"),
		Order: "id", Blobs: set("payload"), Identity: true},
	{Name: "delivery_reads", Cols: cols("delivery_id reader read_at"), Order: "delivery_id, reader"},
	{Name: "audit_log", Cols: cols("id at user_id login action resource allowed detail remote_ip prev_hash hash"),
		Order: "id", Bools: set("allowed"), Identity: true},
	{Name: "rules", Cols: cols("id name position enabled definition updated_at"), Order: "id",
		Bools: set("enabled"), Identity: true},
	{Name: "notify_settings", Cols: cols("user_id settings updated_at"), Order: "user_id"},
	{Name: "unit_notify_chains", Cols: cols("org_unit_id chain updated_at"), Order: "org_unit_id"},
	{Name: "notify_intents", Cols: cols("id message_id request done owner lease_until created_at"), Order: "id", Identity: true},
	{Name: "notifications", Cols: cols("id user_id message_id mode state reason due_at delivery_id owner lease_until created_at"),
		Order: "id", Identity: true},
	{Name: "alerts", Cols: cols("id kind subject detail done owner lease_until created_at"), Order: "id", Identity: true},
	{Name: "ticket_types", Cols: cols("name label_zh label_en flow fields builtin created_at"), Order: "name",
		Bools: set("builtin"), Seeded: true},
	{Name: "ticket_counter", Cols: cols("id value"), Order: "id", Seeded: true},
	{Name: "tickets", Cols: cols("id number type title description status priority score factors explanation " +
		"requester_person_id requester_name requester_channel_id requester_conversation_id requester_external_id " +
		"org_unit_id team_id assignee_id category fields due_at created_by version created_at updated_at resolved_at closed_at csat loop_version clock_version"),
		Order: "id", Blobs: set("description"), Identity: true},
	{Name: "ticket_sources", Cols: cols("message_id ticket_id channel_id conversation_id added_by added_at"), Order: "message_id"},
	{Name: "ticket_watchers", Cols: cols("ticket_id user_id"), Order: "ticket_id, user_id"},
	{Name: "ticket_tags", Cols: cols("ticket_id tag"), Order: "ticket_id, tag"},
	{Name: "ticket_comments", Cols: cols("id ticket_id author_id body public created_at"), Order: "id",
		Bools: set("public"), Blobs: set("body"), Identity: true},
	{Name: "ticket_history", Cols: cols("id ticket_id at actor_id field old_value new_value note"), Order: "id", Identity: true},
	{Name: "ticket_settings", Cols: cols("name value updated_at"), Order: "name"},
	{Name: "ticket_loop", Cols: cols("ticket_id told_version told_status card_delivery_id"), Order: "ticket_id"},
	{Name: "ticket_agents", Cols: cols("user_id available capacity assigned_seq updated_at"), Order: "user_id", Bools: set("available")},
	{Name: "ticket_queue", Cols: cols("ticket_id team_id priority queued_at"), Order: "ticket_id"},
	{Name: "ticket_webhooks", Cols: cols("id name url secret events include_internal active created_by created_at updated_at"), Order: "id",
		Bools: set("include_internal", "active"), Blobs: set("secret"), Identity: true},
	{Name: "ticket_hook_cursor", Cols: cols("source below_id"), Order: "source", Seeded: true},
	{Name: "ticket_hook_events", Cols: cols("id source source_id type ticket_id internal occurred_at payload"), Order: "id",
		Bools: set("internal"), Blobs: set("payload"), Identity: true},
	{Name: "ticket_hook_deliveries", Cols: cols("id webhook_id event_id ticket_id state attempts next_at lease_until owner " +
		"response_code last_error latency_ms created_at updated_at"), Order: "id", Identity: true},
	{Name: "ticket_external_events", Cols: cols("system event_id ticket_id actor_id result applied_at"), Order: "system, event_id"},
	{Name: "ticket_external_refs", Cols: cols("ticket_id system ref updated_at"), Order: "ticket_id, system"},
	{Name: "ticket_duplicates", Cols: cols("ticket_id survivor_id score linked_by linked_at"), Order: "ticket_id"},
	{Name: "ticket_dup_suggestions", Cols: cols("ticket_id candidate_id score state created_at decided_by decided_at"), Order: "ticket_id, candidate_id"},
	{Name: "ticket_views", Cols: cols("id user_id org_unit_id name query created_at"), Order: "id", Identity: true},
	{Name: "ticket_dupe_checks", Cols: cols("ticket_id outcome checked_at"), Order: "ticket_id"},
	{Name: "ticket_sla", Cols: cols("ticket_id version policy cycle first_due first_warn first_at resolution_due resolution_warn " +
		"frozen_at paused next_at breach_at warn_at"), Order: "ticket_id"},
	{Name: "ticket_sla_events", Cols: cols("ticket_id kind cycle n done owner lease_until created_at"), Order: "ticket_id, kind, cycle, n"},
	{Name: "ticket_chat_cursor", Cols: cols("id message_id"), Order: "id", Seeded: true},
}

// searchTables hold derived search terms; they are not copied but must be
// empty on the target like every other table.
var searchTables = []string{"message_search"}

func cols(s string) []string { return strings.Fields(s) }

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

// columnsQuery lists a table's columns, per dialect.
var columnsQuery = map[string]string{
	"sqlite":   `SELECT name FROM pragma_table_info(?)`,
	"postgres": `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
}

// Columns checks that every table has exactly the columns Tables names, so a
// migration that adds a column without teaching this package about it makes
// the copy refuse instead of silently dropping the column's data.
func Columns(ctx context.Context, db *sql.DB, dialect string) error {
	for _, t := range Tables {
		rows, err := db.QueryContext(ctx, columnsQuery[dialect], t.Name)
		if err != nil {
			return fmt.Errorf("%s columns of %s: %w", dialect, t.Name, err)
		}
		var have []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			have = append(have, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		want := slices.Clone(t.Cols)
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			return fmt.Errorf("%s table %s has columns %v, this version copies %v: the copy tool is out of date with the schema",
				dialect, t.Name, have, want)
		}
	}
	return nil
}
