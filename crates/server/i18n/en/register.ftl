# The forms that register one case, relative or found child
# (register.html, register.rs).

register-title = Register
register-heading = Register one at a time
# "Many at once: a file on the <a>import page</a>."
register-many-before = Many at once: a file on the{" "}
register-many-link = import page
register-many-after = .
register-needed = Fields marked * are needed.
register-refused = Not registered: { $why }
register-submit = Register
register-unknown-form = unknown form

register-form-cases = A missing child
register-form-references = A relative who gives DNA
register-form-found = A found child

register-case-id = Case number
register-child-name = Child's name
register-sex = Sex
register-born-from = Born on or after
register-born-to = Born on or before (the same day when known)
register-missing-date = Missing since
register-missing-place = Missing from (place)
register-lat = Latitude
register-lon = Longitude
register-case-description = Description (marks, clothes, words the child says)
register-sample-name = Sample name (as the lab will name it)
register-relationship = Relationship to the missing child
register-person-name = Name
register-found-id = Child's number
register-age-min = Estimated age, at least (days)
register-age-max = Estimated age, at most (days)
register-found-date = Found on
register-found-place = Found at (place)
register-institution = Institution caring for the child
register-description = Description

# Editing what is registered (the same forms, filled).
register-edit-case = Edit case { $id }
register-edit-found = Edit found child { $id }
register-edit-reference = Edit relative { $sample } of case { $id }
register-edit-back = ← Back without saving
register-edit-fixed = A number and a sample name cannot change here.
register-edit-refused = Not saved: { $why }
register-save = Save changes
register-edit-incomplete = the form came back without its field { $field }: open the edit page again
