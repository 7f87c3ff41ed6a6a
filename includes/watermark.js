// An incremental table's newest load, in two steps, each a statement of the model's
// pre_operations. Every table that uses them is clustered by loaded_at.
//
// 1. newest_load: the newest load among the last `hours` of loads (watermark_lookback_hours
//    unless told), as the default of `DECLARE loaded_after`. A bound by a constant lets BigQuery
//    read just those blocks, where MAX(loaded_at) alone would scan the whole history every hour.
//    NULL when nothing loaded in that window.
// 2. newest_load_after_an_outage: only then (the model failed, or everything stopped, for longer
//    than the window), the exact newest load over the whole table, once: the run then reads
//    exactly the loads the model missed, however long it was down. A table with no rows at all
//    reads everything, as a first run does. On BigQuery this step reads the loaded_at column of
//    the whole table (8 bytes a row), on the one run after an outage.
//
// On a full refresh the table does not exist yet: the model declares NULL itself and reads everything.
function newest_load(table, hours = dataform.projectConfig.vars.watermark_lookback_hours) {
  return `SELECT MAX(loaded_at) FROM ${table}
       WHERE loaded_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${hours} HOUR)`;
}

function newest_load_after_an_outage(variable, table) {
  return `IF ${variable} IS NULL THEN
    SET ${variable} = (SELECT IFNULL(MAX(loaded_at), TIMESTAMP '0001-01-01 00:00:00+00') FROM ${table});
  END IF;`;
}

module.exports = { newest_load, newest_load_after_an_outage };
