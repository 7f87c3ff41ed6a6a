// The field checks the staging models share, worded as glue/contract.py words them (the parity
// tests hold the two equal). Each writes WHEN clauses for a CASE that names a field's first
// problem, so a model reads
//
//   CASE
//     ${checks.required_string("session_id")}
//   END
//
// and compiles to the clauses written out. `column` is the parsed value and `column_type` its
// JSON_TYPE; `label` is how the reason names the field (".details.page_url" within an event).

// A required string: absent or JSON null, then not a string, then blank.
function required_string(column, label = column) {
  return `${missing(column, label)}
          WHEN ${column}_type != 'string' THEN '${label}: not a string'
          WHEN TRIM(${column}) = '' THEN '${label}: empty'`;
}

// Any required field: absent, or JSON null.
function missing(column, label = column) {
  return `WHEN ${column}_type IS NULL OR ${column}_type = 'null' THEN '${label}: missing'`;
}

// A string that must be one of a few values.
function one_of(column, values, label = column) {
  const listed = values.map((value) => `'${value}'`).join(", ");
  return `WHEN ${column} NOT IN (${listed}) THEN '${label}: not one of ${values.join(", ")}'`;
}

module.exports = { required_string, missing, one_of };
