// Which loads an incremental model's run reads: the loads after `loaded_after` and before
// `loaded_before`, two script variables each model DECLAREs in its pre_operations. Every table
// that uses them is clustered by loaded_at.
//
// An hourly run reads the loads since its own newest one:
// 1. newest_load: the newest load among the last `hours` of loads (watermark_lookback_hours
//    unless told), as the default of `DECLARE loaded_after`. A bound by a constant lets BigQuery
//    read just those blocks, where MAX(loaded_at) alone would scan the whole history every hour.
//    NULL when nothing loaded in that window.
// 2. newest_load_after_an_outage: only then (the model failed, or everything stopped, for longer
//    than the window), the exact newest load over the whole table, once: the run then reads
//    exactly the loads the model missed, however long it was down. A table with no rows at all
//    reads everything, as a first run does. On BigQuery this step reads the loaded_at column of
//    the whole table (8 bytes a row), on the one run after an outage.
// loaded_before is then the end of time.
//
// A reprocessing run (vars reprocess_from and reprocess_until, `clickstream local run
// --reprocess FROM..UNTIL`) reads the loads of that range instead, from reprocess_from up to but
// not including reprocess_until, and replaces the rows it wrote for them (replaced_loads).
//
// On a full refresh the table does not exist yet: the model declares NULL itself and reads everything.
const { reprocess_from: from, reprocess_until: until } = dataform.projectConfig.vars;
const END_OF_TIME = "TIMESTAMP '9999-12-31 23:59:59.999999+00'";
const TIME = /^\d{4}-\d{2}-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,6})?)?)?)?(Z|[+-]\d{2}:\d{2})?$/;

const reprocessing = Boolean(from || until);
if (reprocessing) {
  for (const [name, value] of [["reprocess_from", from], ["reprocess_until", until]]) {
    if (!TIME.test(value || "")) {
      throw new Error(`workflow var ${name} = "${value || ""}": not a time; give both reprocess_from and ` +
        `reprocess_until as UTC times such as 2024-08-20 or 2024-08-20T06:00:00Z (or neither, for an hourly run)`);
    }
  }
  if (!(micros(from) < micros(until))) {
    throw new Error(`workflow vars reprocess_from = "${from}" and reprocess_until = "${until}": the range is empty; ` +
      `reprocess_from must come before reprocess_until`);
  }
}

// A var's time in microseconds since the epoch (Date.parse alone keeps milliseconds: a range of
// one load, [loaded_at, loaded_at + 1 microsecond), would look empty).
function micros(value) {
  const time = normal(value);
  const fraction = /\.(\d{1,6})/.exec(time);
  const whole = Date.parse(time.replace(/\.\d+/, ""));
  return whole * 1000 + (fraction ? Number((fraction[1] + "00000").slice(0, 6)) : 0);
}

// A var's time in the form both BigQuery and Date.parse read: UTC unless an offset is given.
function normal(value) {
  const time = value.length === 10 ? `${value}T00:00:00` : value.replace(" ", "T");
  return /(Z|[+-]\d{2}:\d{2})$/.test(time) ? time : `${time}Z`;
}

// A reprocessing run's loaded_after: just before reprocess_from (NULL in an hourly run).
function range_after() {
  return reprocessing ? `TIMESTAMP_SUB(TIMESTAMP '${normal(from)}', INTERVAL 1 MICROSECOND)` : "CAST(NULL AS TIMESTAMP)";
}

function newest_load(table, hours = dataform.projectConfig.vars.watermark_lookback_hours) {
  if (reprocessing) {
    return `SELECT ${range_after()}`;
  }
  return `SELECT MAX(loaded_at) FROM ${table}
       WHERE loaded_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${hours} HOUR)`;
}

// A running total's newest load counted: its table is a few rows, read whole.
function newest_counted(table) {
  return reprocessing ? `SELECT ${range_after()}` : `SELECT MAX(loaded_at) FROM ${table}`;
}

function newest_load_after_an_outage(variable, table) {
  if (reprocessing) {
    return "";
  }
  return `IF ${variable} IS NULL THEN
    SET ${variable} = (SELECT IFNULL(MAX(loaded_at), TIMESTAMP '0001-01-01 00:00:00+00') FROM ${table});
  END IF;`;
}

// The default of `DECLARE loaded_before`.
function loads_before() {
  return reprocessing ? `TIMESTAMP '${normal(until)}'` : END_OF_TIME;
}

// Reprocessing: the rows of the range's loads are deleted before the run writes them again, so
// that a second run of the same range writes the same rows.
function replaced_loads(table) {
  return reprocessing
    ? `DELETE FROM ${table} WHERE loaded_at > loaded_after AND loaded_at < loaded_before;`
    : "";
}

// The rows an assertion checks: every row in the daily audit (var audit = "true"), the range's
// loads in a reprocessing run, else the loads of the last assertion_window_hours.
function checked_loads(column = "loaded_at") {
  if (dataform.projectConfig.vars.audit === "true") {
    return "TRUE";
  }
  if (reprocessing) {
    return `${column} >= TIMESTAMP '${normal(from)}' AND ${column} < TIMESTAMP '${normal(until)}'`;
  }
  return `${column} > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${dataform.projectConfig.vars.assertion_window_hours} HOUR)`;
}

module.exports = {
  reprocessing, range_after, newest_load, newest_counted, newest_load_after_an_outage, loads_before, replaced_loads, checked_loads
};
