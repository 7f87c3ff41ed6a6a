/**
 * A Pub/Sub single message transform (a JavaScript UDF on the BigQuery subscription): the
 * client_ip attribute leaves Pub/Sub truncated, an IPv4 address to its /24 (203.0.113.66 ->
 * 203.0.113.0) and an IPv6 address to its /48 (2001:db8:85a3:8d3:1319:8a2e:370:7348 ->
 * 2001:db8:85a3::), so that the raw table never holds a whole address. A value that is not an
 * address is removed. The message's data is left as it is. glue/privacy/addresses.py does the
 * same in Python (the local subscription sink, the DoS-alert job's archive); a test holds the two
 * equal.
 */
function truncateClientIp(message, metadata) {
  const attributes = Object.assign({}, message.attributes || {});
  if (Object.prototype.hasOwnProperty.call(attributes, "client_ip")) {
    const truncated = truncateAddress(String(attributes.client_ip).trim());
    if (truncated) {
      attributes.client_ip = truncated;
    } else {
      delete attributes.client_ip;
    }
  }
  return { data: message.data, attributes: attributes };
}

function truncateAddress(text) {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    return parts.every((p) => p <= 255) ? `${parts[0]}.${parts[1]}.${parts[2]}.0` : null;
  }
  const groups = expandIpv6(text);
  if (!groups) {
    return null;
  }
  return compressed([...groups.slice(0, 3).map((g) => parseInt(g, 16)), 0, 0, 0, 0, 0]);
}

// An IPv6 address's canonical text (RFC 5952): lower-case hex without leading zeros, the longest
// run of two or more zero groups (the first, on a tie) written as "::".
function compressed(values) {
  let best = [-1, 0];
  for (let start = 0; start < 8; start += 1) {
    let end = start;
    while (end < 8 && values[end] === 0) {
      end += 1;
    }
    if (end - start > best[1] && end - start >= 2) {
      best = [start, end - start];
    }
  }
  const hex = values.map((v) => v.toString(16));
  if (best[0] < 0) {
    return hex.join(":");
  }
  return `${hex.slice(0, best[0]).join(":")}::${hex.slice(best[0] + best[1]).join(":")}`;
}

// The eight 16-bit groups of an IPv6 address, or null when it is not one.
function expandIpv6(text) {
  if (!/^[0-9A-Fa-f:]+$/.test(text) || text.split("::").length > 2) {
    return null;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, null];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if ((tail === null && missing !== 0) || (tail !== null && missing < 1)) {
    return null;
  }
  const groups = [...left, ...Array(tail === null ? 0 : missing).fill("0"), ...right];
  return groups.length === 8 && groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g)) ? groups : null;
}
