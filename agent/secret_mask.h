// Masking of secrets inside connection_info (CHAP passwords, Ceph keyrings,
// tokens) before anything is shown to an operator.
//
// A key is secret when, split into lower-case words at '_', '-', '.' and
// spaces, one word is password, passwd, secret, token, keyring, key, keys,
// credential, credentials or private, unless the last word names an
// identifier rather than the secret itself (uuid, id, type, name, username,
// user, format, method, enabled, path, file): so auth_password, target_secret,
// keyring, secret_key and discovery_auth_password are masked, while
// secret_uuid, secret_type and encryption_key_id are not.
//
// Masking replaces the value of a secret key, whatever its type (string,
// number, object, array), with the string "***"; a null stays null (nothing to
// hide). It recurses into objects and arrays.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

namespace agent {

inline constexpr std::string_view kMaskedValue = "***";

bool IsSecretKey(std::string_view key);

// Masks in place; returns how many values were masked.
int MaskSecrets(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator);

// MaskSecrets, and also inside JSON held in strings (Nova keeps a BDM's
// connection_info as a JSON string): a string value that parses as a JSON
// object or array and has secrets is replaced by that JSON, masked, as
// compact text. Strings nest at most `max_string_depth` levels deep.
int MaskSecretsDeep(rapidjson::Value& value, rapidjson::Document::AllocatorType& allocator,
                    int max_string_depth = 4);

}  // namespace agent
