// The kept NDRs of a bundle as the original messages: an mbox, or one .eml file each.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace mxpulse::evidence {

// Returns the NDR text of one bundle entry as an .eml: the text as kept, with an
// X-Mxpulse-Evidence header first that says whether it was cut, and CRLF line ends left as they
// were.
std::string eml_of(const nlohmann::json& ndr);

// Returns every kept NDR of the bundle (requested with texts=1) as an mboxrd mailbox: a "From "
// line each, lines starting with ">*From " quoted.
std::string to_mbox(const nlohmann::json& bundle);

// Writes every kept NDR of the bundle as DIR/<store file name>.eml (creating DIR); returns the
// number written, or -1 and sets error.
long write_eml_dir(const nlohmann::json& bundle, const std::string& dir, std::string& error);

}  // namespace mxpulse::evidence
