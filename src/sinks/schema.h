/* SPDX-License-Identifier: MIT */
/*
 * The tables of keke.db, as the SQLite sink (sqlite.c) writes them and the
 * report (report/) reads them: Perfetto's trace processor names and
 * columns, so that its queries work on keke.db too. The columns of each
 * table are listed once, in KEKE_DB_SCHEMA; SQL elsewhere names tables
 * by these macros, glued into its literals ("SELECT ts FROM " KEKE_DB_SLICE).
 *
 * Times (ts, start_ts, end_ts, dur, and columns ending in _ns) are
 * nanoseconds of CLOCK_MONOTONIC; metadata's realtime_offset_ns turns
 * them into wall time. Beyond Perfetto's: process's io_* columns (the
 * kernel's /proc/PID/io counters, keke_process in sink.h) and
 * traced_rchar/traced_wchar; its resource columns (cpu_user_ns...
 * rusage_from, keke_rusage in sink.h); the file_access table (one row
 * per process and path, keke_file_access in sink.h); the critical_path
 * table (keke_segment in sink.h); metadata's cpu_count; the machine
 * table's boot_id and the columns after it (keke_machine in sink.h).
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
#define KEKE_DB_FILE_ACCESS "file_access"
#define KEKE_DB_CRITICAL_PATH "critical_path"
#define KEKE_DB_MACHINE "machine"

/* Every table with its columns, in the order the sink inserts them. */
#define KEKE_DB_SCHEMA \
	"CREATE TABLE " KEKE_DB_PROCESS "(upid INTEGER PRIMARY KEY, pid INT,"\
	" name TEXT, cmdline TEXT, start_ts INT, end_ts INT, parent_upid INT,"\
	" exit_code INT, signal INT, exe TEXT, cwd TEXT, killed INT,"	\
	" untraced INT, dropped INT, io_ts INT, io_rchar INT, io_wchar INT,"\
	" io_syscr INT, io_syscw INT, io_read_bytes INT, io_write_bytes INT,"\
	" io_cancelled_write_bytes INT, traced_rchar INT,"		\
	" traced_wchar INT, cpu_user_ns INT, cpu_sys_ns INT,"		\
	" peak_rss_kb INT, minor_faults INT, major_faults INT,"	\
	" vol_ctx_switches INT, invol_ctx_switches INT,"		\
	" fs_read_blocks INT, fs_write_blocks INT, rusage_from TEXT,"	\
	" arg_set_id INT, machine_id INT);"				\
	"CREATE TABLE " KEKE_DB_THREAD "(utid INTEGER PRIMARY KEY, tid INT,"\
	" name TEXT, upid INT, start_ts INT, end_ts INT,"		\
	" is_main_thread INT, machine_id INT);"				\
	"CREATE TABLE " KEKE_DB_MACHINE "(id INTEGER PRIMARY KEY,"	\
	" name TEXT, boot_id TEXT, realtime_offset_ns INT,"		\
	" uncertainty_ns INT, shift_ns INT, pid_offset INT, files INT);" \
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
	" track_id INT, value REAL);"					\
	"CREATE TABLE " KEKE_DB_FILE_ACCESS "(upid INT, path TEXT,"	\
	" kind TEXT, read_bytes INT, write_bytes INT, reads INT,"	\
	" writes INT, opened INT, opened_write INT, created INT,"	\
	" truncated INT, deleted INT, probed INT, probed_missing INT,"	\
	" renamed_to TEXT, renamed_from TEXT, calls INT, dur_ns INT,"	\
	" first_ts_ns INT, last_ts_ns INT);"				\
	"CREATE TABLE " KEKE_DB_CRITICAL_PATH "(id INTEGER PRIMARY KEY,"	\
	" ts INT, dur INT, upid INT, state TEXT, call TEXT,"		\
	" waiting_upid INT);"

/* The indexes, made once the rows are in; the report's seeks use
 * slice_ts, slice_track_id and args_arg_set_id. */
#define KEKE_DB_INDEXES							\
	"CREATE INDEX slice_ts ON " KEKE_DB_SLICE "(ts);"		\
	"CREATE INDEX slice_name ON " KEKE_DB_SLICE "(name);"		\
	"CREATE INDEX slice_track_id ON " KEKE_DB_SLICE "(track_id);"	\
	"CREATE INDEX args_arg_set_id ON " KEKE_DB_ARGS "(arg_set_id);"	\
	"CREATE INDEX thread_upid ON " KEKE_DB_THREAD "(upid);"		\
	"CREATE INDEX process_pid ON " KEKE_DB_PROCESS "(pid);"		\
	"CREATE INDEX counter_track_id ON " KEKE_DB_COUNTER "(track_id);" \
	"CREATE INDEX file_access_upid ON " KEKE_DB_FILE_ACCESS "(upid);" \
	"CREATE INDEX file_access_path ON " KEKE_DB_FILE_ACCESS "(path);"

#endif
