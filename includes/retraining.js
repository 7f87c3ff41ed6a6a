// When a model of definitions/ml/ trains: once ml_retrain_min_new_visits visits have loaded
// since its last training (or, the first time, at all), or once that training is
// ml_retrain_max_age_days old. model_trainings records each training with the newest load it saw.
//
// `declarations(model, trainings, features)` is the DECLAREs that open the model's script; `due`
// is the IF condition over them, and `reason` says which of the three it was.
// The count of new visits reads only their partitions: the bound is a DECLAREd constant.
function declarations(model, trainings, features) {
  return `DECLARE last_trained TIMESTAMP DEFAULT (SELECT MAX(trained_at) FROM ${trainings} WHERE model = '${model}');
DECLARE trained_through TIMESTAMP DEFAULT (SELECT MAX(newest_load) FROM ${trainings} WHERE model = '${model}');
DECLARE new_visits INT64 DEFAULT (
  SELECT COUNT(*) FROM ${features} WHERE loaded_at > IFNULL(trained_through, TIMESTAMP '1970-01-01')
);`;
}

const vars = dataform.projectConfig.vars;
const due = `new_visits >= ${vars.ml_retrain_min_new_visits}
  OR last_trained < TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL ${vars.ml_retrain_max_age_days} DAY)`;
const reason = `CASE
      WHEN last_trained IS NULL THEN 'first training'
      WHEN new_visits >= ${vars.ml_retrain_min_new_visits} THEN FORMAT('%d new visits', new_visits)
      ELSE 'weekly'
    END`;

// The bucket EXPORT MODEL writes to: the ml_model_bucket var for this project.
const model_bucket = vars.ml_model_bucket.replace("{project}", dataform.projectConfig.defaultDatabase || "local");

module.exports = { declarations, due, reason, model_bucket };
