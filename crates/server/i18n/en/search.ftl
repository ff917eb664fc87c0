# The search page (search.html).

search-title = Search
search-submit = Search
search-refused = Nothing was searched: a filter is not right.
search-words = Name, place, case or child number, institution
search-hint = Every word must match. Names and places are found by whole words; a Chinese name by any two or more of its characters.
search-case-status = Case status
search-found-status = Child's status
search-review = Review
search-category = Category
search-any = Any
search-from = Missing or found from
search-to = to
search-too-short = one character is searched in numbers and institutions only.
search-none = None.

search-cases = Cases
search-found = Found children
search-candidates = Candidates

search-col-case = Case
search-col-child-name = Child's name
search-col-missing-from = Missing from
search-col-missing-since = Missing since
search-col-status = Status
search-col-matched = Found by
search-col-child = Child
search-col-institution = Institution
search-col-found-at = Found at
search-col-found-on = Found on
search-col-candidate = Candidate
search-col-found-child = Found child
search-col-lr = LR
search-col-category = Category
