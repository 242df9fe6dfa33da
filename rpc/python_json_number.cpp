// Python's float repr and float() of JSON numbers (rpc/python_json.h).
#include "rpc/python_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace rpc {

// repr(float): the shortest round-trip digits, positional when the decimal
// exponent is in [-4, 16), scientific ("1e+16", "1e-05") otherwise.
void AppendPythonFloat(double value, std::string& out) {
  if (std::isnan(value)) { out += "NaN"; return; }
  if (std::isinf(value)) { out += value < 0 ? "-Infinity" : "Infinity"; return; }
  std::array<char, 64> buffer{};
  const auto written = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                     std::chars_format::scientific);
  const std::string_view sci(buffer.data(), static_cast<std::size_t>(written.ptr - buffer.data()));
  const std::size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e)) {
    if (c >= '0' && c <= '9') digits += c;
  }
  int exponent = 0;
  const std::string_view exp_text = sci.substr(e + (sci[e + 1] == '+' ? 2 : 1));
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  if (sci.front() == '-') out += '-';
  const int n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    const int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out += "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
    } else if (point < n) {
      out += digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
    } else {
      out += digits + std::string(static_cast<std::size_t>(point - n), '0') + ".0";
    }
    return;
  }
  out += digits.substr(0, 1);
  if (n > 1) out += "." + digits.substr(1);
  out += exponent < 0 ? "e-" : "e+";
  const int magnitude = exponent < 0 ? -exponent : exponent;
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
}

// float(text) for a JSON number as Python reads it: values beyond the range
// of a double become +-inf or +-0.0 instead of failing.
double PythonFloatValue(std::string_view text) {
  double value = 0;
  if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc::result_out_of_range) {
    return value;
  }
  // Out of range: overflow or underflow, told apart by the decimal order of
  // the first significant digit (the mantissa cannot be all zeros here).
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t e = std::min(text.find_first_of("eE"), text.size());
  const std::string_view mantissa = text.substr(0, e);
  const std::size_t point = std::min(mantissa.find('.'), mantissa.size());
  const std::size_t first = mantissa.find_first_of("123456789");
  long order = first < point ? static_cast<long>(point - first - 1) : -static_cast<long>(first - point);
  if (e < text.size()) {
    std::string_view exponent = text.substr(e + 1);
    const bool exponent_negative = exponent.front() == '-';
    if (exponent.front() == '-' || exponent.front() == '+') exponent.remove_prefix(1);
    exponent.remove_prefix(std::min(exponent.find_first_not_of('0'), exponent.size()));
    long magnitude = 1000000000L;  // saturates: only the sign of the total matters
    if (exponent.size() < 10) std::from_chars(exponent.data(), exponent.data() + exponent.size(), magnitude);
    if (exponent.empty()) magnitude = 0;
    order += exponent_negative ? -magnitude : magnitude;
  }
  const double magnitude = order > 0 ? HUGE_VAL : 0.0;
  return negative ? -magnitude : magnitude;
}

}  // namespace rpc
