// Personal data: the class of every column, by name (workflow_settings.yaml, vars pii_<class>),
// and the policy tag each personal class carries (vars policy_tag_<class>).
//
// A table's config block reads
//
//   columns: privacy.classified({
//     user_id: columns.user_id,
//     page_url: "Page viewed.",
//   }),
//
// and compiles to the same descriptions, each personal column with its class's policy tag once
// the compilation has the tags (on Google Cloud; locally there are none). A column named in no
// pii_ list fails the compilation, naming it: classify it first. Views carry no policy tags
// (BigQuery masks a view's columns through the tables it reads).
const vars = dataform.projectConfig.vars;
const CLASSES = ["identifier", "precise_location", "device_fingerprint", "network_address", "none"];

const class_of_column = {};
for (const name of CLASSES) {
  for (const column of (vars[`pii_${name}`] || "").split(/\s+/).filter(Boolean)) {
    class_of_column[column] = name;
  }
}

function class_of(column) {
  const found = class_of_column[column];
  if (!found) {
    throw new Error(`column ${column} has no class of personal data: add it to one of the pii_ vars in ` +
      `workflow_settings.yaml (${CLASSES.map((c) => `pii_${c}`).join(", ")}; docs/privacy.md)`);
  }
  return found;
}

function classified(columns) {
  const out = {};
  for (const [column, description] of Object.entries(columns)) {
    const tag = vars[`policy_tag_${class_of(column)}`];
    out[column] = tag ? { description, bigqueryPolicyTags: [tag] } : description;
  }
  return out;
}

// Retention of user-level data: the days a partition is kept (user_data_retention_days), or
// undefined (kept for good) when "0".
function retention_days() {
  const days = Number(vars.user_data_retention_days || 0);
  return days > 0 ? days : undefined;
}

// A user-level table's bigquery options for it: `...privacy.partition_expiration()`.
function partition_expiration() {
  const days = retention_days();
  return days ? { partitionExpirationDays: days } : {};
}

// The same on a table that already exists (Dataform sets a table's options when it creates it):
// a post-operation, a metadata change BigQuery does not bill.
function retention_option(table) {
  const days = retention_days();
  return days ? `ALTER TABLE ${table} SET OPTIONS (partition_expiration_days = ${days});` : "";
}

module.exports = { classified, class_of, retention_days, partition_expiration, retention_option };
