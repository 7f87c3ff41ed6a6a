// Descriptions of columns that appear in several curated tables, written once so that
// the data dictionary says the same thing everywhere.
const visit_id = "Stable surrogate key of the visit: MD5 (hex) of its payload. Unlike session_id it is unique per visit.";
const session_id = "Session identifier sent by the site. Not unique per visit: the sample data reuses it across visits.";
const user_id = "Identifier of the user.";
// Stamped once by the payload store and kept by every rebuild. The tables are clustered by it,
// and each hourly run reads only the loads after its own newest (includes/watermark.js).
const loaded_at = "When the workflow first loaded this visit (UTC); it never changes.";
const event_timestamp = "When the event happened, UTC (timestamps sent without an offset are UTC).";
const product_id = "Product identifier, e.g. HDW-001.";
const product_name = "Product name as sent with the event.";
const category = "Product category: hardware, software or peripherals.";
const price = "Unit price, NUMERIC rounded to the cent.";
const quantity = "Number of units.";
const order_id = "Order identifier sent with the purchase. Not unique: the sample data reuses order ids.";
const minute = "Start of the one-minute window (UTC).";

module.exports = {
  visit_id, session_id, user_id, loaded_at, event_timestamp,
  product_id, product_name, category, price, quantity, order_id, minute,
};
