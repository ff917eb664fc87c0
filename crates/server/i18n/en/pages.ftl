# Text the pages' Rust code writes: facts, signatures, refusals, the
# login's refusals.

pages-fact-sex = missing child: { $case }; found child: { $found }
pages-fact-found-before = found { $span } before going missing
pages-fact-found-after = found { $span } after going missing
pages-fact-distance = { $km } km between where the child went missing and where a child was found
pages-fact-not-recorded = not recorded for one of the two
pages-posterior-none = – (the facts rule it out)
pages-signed-review = Review started by
pages-signed-test = Confirmatory test requested by
pages-signed-confirmed = Confirmed by
pages-signed-reunited = Reunion recorded by
pages-unknown-action = unknown action
pages-no-version = the form does not say which version of the candidate you decided on; open the candidate page again
pages-reason-not-sent = Your reason, not sent: “{ $reason }”
pages-choose-again = The kind of file is kept; choose the file again.
pages-file-too-large = The file is too large: at most { $bytes } bytes ({ $mb } MB) here.
pages-choose-kind = Choose a kind of file.
pages-choose-file = Choose a file.
pages-not-utf8 = { $file }: the file is not UTF-8 text
pages-form-expired = The form expired: please try again.
pages-wrong-password = Wrong username or password.
pages-blocked-account = Too many failed logins for this account: try again in { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    } (at { $at } UTC).
pages-blocked-address = Too many failed logins from your network address: try again in { $minutes ->
        [one] { $minutes } minute
       *[other] { $minutes } minutes
    } (at { $at } UTC).
