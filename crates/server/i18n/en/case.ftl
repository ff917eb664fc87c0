# case: en
# The page of a missing-child case (templates/case.html).

case-title = Case { $id }
case-heading = Case { $id }
case-status = Status
case-public-alert = public alert on
case-child = The missing child
case-name = Name
case-sex = Sex
case-born = Born
case-missing-since = Missing since
case-place = Place
case-description = Description
case-family = Family
case-sample = Sample
case-relationship = Relationship
case-typed = typed
case-not-typed = not yet
case-candidates = Candidates
case-none = None.
case-found-child = found child

case-edit = Edit the details
case-edit-reference = edit
