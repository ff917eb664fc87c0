# found: en
# The page of a found child (templates/found.html).

found-title = Found child { $id }
found-heading = Found child { $id }
found-status = Status
found-sample = sample { $sample }
found-typed = DNA typed
found-not-typed = DNA not typed yet
found-sex = Sex
found-age = Estimated age
found-found-on = Found on
found-place = Place
found-institution = Institution
found-description = Description
found-candidates = Candidates
found-none = None.
found-case = case

found-edit = Edit the details
