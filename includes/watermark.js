// The newest load already in an incremental table clustered by loaded_at, as the default of
// its `DECLARE loaded_after`: each run then reads only the loads after it.
//
// Only the last `hours` of loads are searched (watermark_lookback_hours unless told): a bound
// by a constant lets BigQuery read just those blocks, where MAX(loaded_at) alone would scan the
// whole history every hour. With nothing in that window, the bound itself. On a full refresh
// the table does not exist yet: NULL, and the model reads everything.
function newest_load(table, hours = dataform.projectConfig.vars.watermark_lookback_hours) {
  return `SELECT IFNULL(MAX(loaded_at), TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${hours} HOUR))
       FROM ${table}
       WHERE loaded_at >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${hours} HOUR)`;
}

module.exports = { newest_load };
