/* SPDX-License-Identifier: MIT */
/*
 * The tables of keke.db, as the SQLite sink (sqlite.c) writes them and the
 * report (report/) reads them: Perfetto's trace processor names and
 * columns, so that its queries work on keke.db too. The columns of each
 * table are listed once, in KEKE_DB_SCHEMA; SQL elsewhere names tables
 * by these macros, glued into its literals ("SELECT ts FROM " KEKE_DB_SLICE).
 *
 * Times (ts, start_ts, end_ts, dur) are nanoseconds of CLOCK_MONOTONIC;
 * metadata's realtime_offset_ns turns them into wall time.
 */
#ifndef KEKE_SCHEMA_H
#define KEKE_SCHEMA_H

#define KEKE_DB_PROCESS "process"
#define KEKE_DB_THREAD "thread"
#define KEKE_DB_THREAD_TRACK "thread_track"
#define KEKE_DB_SLICE "slice"
#define KEKE_DB_ARGS "args"
#define KEKE_DB_FLOW "flow"
#define KEKE_DB_METADATA "metadata"
#define KEKE_DB_COUNTER_TRACK "process_counter_track"
#define KEKE_DB_COUNTER "counter"
#define KEKE_DB_MAPPING "stack_profile_mapping"
#define KEKE_DB_FRAME "stack_profile_frame"
#define KEKE_DB_CALLSITE "stack_profile_callsite"

/* Every table with its columns, in the order the sink inserts them. */
#define KEKE_DB_SCHEMA \
	"CREATE TABLE " KEKE_DB_PROCESS "(upid INTEGER PRIMARY KEY, pid INT,"\
	" name TEXT, cmdline TEXT, start_ts INT, end_ts INT, parent_upid INT,"\
	" exit_code INT, signal INT, exe TEXT, cwd TEXT, killed INT,"	\
	" untraced INT, dropped INT);"					\
	"CREATE TABLE " KEKE_DB_THREAD "(utid INTEGER PRIMARY KEY, tid INT,"\
	" name TEXT, upid INT, start_ts INT, end_ts INT,"		\
	" is_main_thread INT);"						\
	"CREATE TABLE " KEKE_DB_THREAD_TRACK "(id INTEGER PRIMARY KEY,"	\
	" utid INT);"							\
	"CREATE TABLE " KEKE_DB_SLICE "(id INTEGER PRIMARY KEY, ts INT," \
	" dur INT, track_id INT, category TEXT, name TEXT, depth INT,"	\
	" parent_id INT, arg_set_id INT, stack_id INT);"		\
	"CREATE TABLE " KEKE_DB_MAPPING "(id INTEGER PRIMARY KEY,"	\
	" build_id TEXT, start INT, end INT, load_bias INT, name TEXT);" \
	"CREATE TABLE " KEKE_DB_FRAME "(id INTEGER PRIMARY KEY, name TEXT,"\
	" mapping INT, rel_pc INT, source_file TEXT, line_number INT);"	\
	"CREATE TABLE " KEKE_DB_CALLSITE "(id INTEGER PRIMARY KEY,"	\
	" depth INT, parent_id INT, frame_id INT);"			\
	"CREATE TABLE " KEKE_DB_ARGS "(arg_set_id INT, flat_key TEXT,"	\
	" key TEXT, int_value INT, string_value TEXT, real_value REAL,"	\
	" value_type TEXT, display_value TEXT);"			\
	"CREATE TABLE " KEKE_DB_FLOW "(id INTEGER PRIMARY KEY,"		\
	" slice_out INT, slice_in INT);"				\
	"CREATE TABLE " KEKE_DB_METADATA "(name TEXT PRIMARY KEY,"	\
	" int_value INT, str_value TEXT);"				\
	"CREATE TABLE " KEKE_DB_COUNTER_TRACK "(id INTEGER PRIMARY KEY," \
	" name TEXT, upid INT);"					\
	"CREATE TABLE " KEKE_DB_COUNTER "(id INTEGER PRIMARY KEY, ts INT,"\
	" track_id INT, value REAL);"

/* The indexes, made once the rows are in; the report's seeks use
 * slice_ts, slice_track_id and args_arg_set_id. */
#define KEKE_DB_INDEXES							\
	"CREATE INDEX slice_ts ON " KEKE_DB_SLICE "(ts);"		\
	"CREATE INDEX slice_name ON " KEKE_DB_SLICE "(name);"		\
	"CREATE INDEX slice_track_id ON " KEKE_DB_SLICE "(track_id);"	\
	"CREATE INDEX args_arg_set_id ON " KEKE_DB_ARGS "(arg_set_id);"	\
	"CREATE INDEX thread_upid ON " KEKE_DB_THREAD "(upid);"		\
	"CREATE INDEX process_pid ON " KEKE_DB_PROCESS "(pid);"		\
	"CREATE INDEX counter_track_id ON " KEKE_DB_COUNTER "(track_id);"

#endif
