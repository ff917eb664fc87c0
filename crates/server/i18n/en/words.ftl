# words: en
# What the pages show for the registry's codes and numbers (src/words.rs),
# and the text of the drawings (src/svg.rs, src/drawing.rs).

## A candidate's review state.

words-review-new = New
words-review-under-review = Under review
words-review-test-requested = Test requested
words-review-confirmed = Confirmed
words-review-reunited = Reunited
words-review-rejected = Rejected

## A review action, as its button says it; the reason a step needs.

words-action-start-review = Start the review
words-action-request-test = Request a confirmatory test
words-action-confirm = Confirm (a second case worker)
words-action-reunite = Record the reunion
words-action-reject = Reject
words-action-reopen = Reopen
words-reason-reopen = Reason for reopening
words-reason-reject = Reason for rejecting

## The four-eyes rule; a candidate changed meanwhile.

words-four-eyes-ahead = Four-eyes rule: the case worker who requests the confirmatory test cannot confirm it; any other case worker can.
words-four-eyes-you = You requested the confirmatory test, so another case worker confirms it (four-eyes rule).
# $who: the user name of the case worker who requested the test.
words-four-eyes-other = { $who } requested the confirmatory test; any case worker but { $who } can confirm it (four-eyes rule).
# $state: the candidate's review state now (words-review-…).
words-changed-meanwhile = Someone else changed this candidate while you were looking at it; it is now: { $state }. Your decision was not applied: read the page as it is now and decide again.

## What a family account is told about its case.

words-family-searching = Searching: no match has been confirmed yet
words-family-being-checked = A possible match is being checked
words-family-confirmed = A match was confirmed; a case worker will contact you
words-family-reunited = Reunited
words-family-closed = Closed

## A case's or a found child's status.

words-status-open = Open
words-status-candidate-found = A candidate was found
words-status-unidentified = Not identified yet
words-status-closed = Closed

## An age in whole years.

words-years-old =
    { $n ->
        [0] now under a year old
        [one] now { $n } year old
       *[other] now { $n } years old
    }
words-years-old-range = now { $min } to { $max } years old

## Which field of a row a search matched.

words-matched-name = Name
words-matched-place = Place
words-matched-relative = A relative's name
words-matched-id = Number
words-matched-institution = Institution
words-matched-other = Other

## A candidate's category.

words-category-undisputed = Undisputed
words-category-probable = Probable
words-category-inconclusive = Inconclusive
words-category-excluded = Excluded

## A reference's relationship to the missing child.

words-relationship-mother = Mother
words-relationship-father = Father
words-relationship-full-sibling = Brother or sister
words-relationship-maternal-half-sibling = Half-sibling, same mother
words-relationship-paternal-half-sibling = Half-sibling, same father
words-relationship-maternal-grandmother = Mother's mother
words-relationship-maternal-grandfather = Mother's father
words-relationship-paternal-grandmother = Father's mother
words-relationship-paternal-grandfather = Father's father
words-relationship-maternal-aunt = Mother's sister
words-relationship-maternal-uncle = Mother's brother
words-relationship-paternal-aunt = Father's sister
words-relationship-paternal-uncle = Father's brother
words-relationship-paternal-great-uncle = Father's father's brother
words-relationship-paternal-first-cousin = Child of father's brother

## Who in the family gave DNA (the search's family shape).

words-shape-both-parents = Both parents gave DNA
words-shape-one-parent = One parent gave DNA
words-shape-grandparents = Grandparents gave DNA
words-shape-parent-and-siblings = A parent and brothers or sisters gave DNA
words-shape-general = Relatives gave DNA

## A fact compared, and the verdict on it.

words-fact-sex = Sex
words-fact-age = Age
words-fact-time = Dates
words-fact-place = Place
words-verdict-compatible = Fits
words-verdict-excludes = Rules it out
words-verdict-unknown = Not known

## A sex; an account's role.

words-sex-male = Boy
words-sex-female = Girl
words-sex-unknown = Not known
words-role-admin = administrator
words-role-lab = laboratory
words-role-caseworker = case worker
words-role-family = family

## A kind of file of the import page, and what its files count.

words-import-kind-cases = Missing-child cases
words-import-kind-references = Relatives who gave DNA
words-import-kind-found = Found children
words-import-kind-profiles = DNA profiles (GeneMapper)
words-import-kind-frequencies = Allele frequencies
words-import-kind-haplotypes = Y-STR population haplotypes
words-import-kind-cmf = CODIS CMF file
words-import-kind-pfif = Person records (PFIF)
words-import-kind-volunteers = Clan volunteers (Y-STR)
# $n: the count (for the plural form); $count: the same with thousands separators.
words-import-count-cases =
    { $n ->
        [one] { $count } missing-child case
       *[other] { $count } missing-child cases
    }
words-import-count-references =
    { $n ->
        [one] { $count } reference
       *[other] { $count } references
    }
words-import-count-found =
    { $n ->
        [one] { $count } found child
       *[other] { $count } found children
    }
words-import-count-profiles =
    { $n ->
        [one] { $count } DNA profile
       *[other] { $count } DNA profiles
    }
words-import-count-cmf =
    { $n ->
        [one] { $count } specimen
       *[other] { $count } specimens
    }
words-import-count-frequencies =
    { $n ->
        [one] { $count } marker
       *[other] { $count } markers
    }
words-import-count-haplotypes =
    { $n ->
        [one] { $count } man
       *[other] { $count } men
    }
words-import-count-pfif =
    { $n ->
        [one] { $count } PFIF person record
       *[other] { $count } PFIF person records
    }
words-import-count-volunteers =
    { $n ->
        [one] { $count } clan volunteer
       *[other] { $count } clan volunteers
    }

## Numbers: an infinite LR, the ENFSI scale, probabilities.

words-lr-infinite = infinite
words-enfsi-neither = The DNA findings support neither hypothesis rather than the other.
# $strength: one of words-enfsi-weak … words-enfsi-extremely-strong.
words-enfsi-first = The DNA findings provide { $strength } for the first hypothesis rather than the second.
words-enfsi-second = The DNA findings provide { $strength } for the second hypothesis rather than the first.
words-enfsi-weak = weak support
words-enfsi-moderate = moderate support
words-enfsi-moderately-strong = moderately strong support
words-enfsi-strong = strong support
words-enfsi-very-strong = very strong support
words-enfsi-extremely-strong = extremely strong support
# $shown: how many families the chart shows (for the plural form), $count
# the same with separators; $lr: the lowest LR shown.
words-chart-floor =
    The chart shows { $shown ->
        [one] the one family
       *[other] the { $count } families
    } whose LR reaches { $lr }; the others are too weak to change the posterior by more than 0.1% and were not scored in full.
words-percent-above = more than 99.99%
words-percent-below = less than 0.01%

## Ages: days up to two months, then months up to two years, then years and months.

words-age-days =
    { $n ->
        [one] { $n } day
       *[other] { $n } days
    }
words-age-months =
    { $n ->
        [one] { $n } month
       *[other] { $n } months
    }
words-age-years =
    { $years ->
        [one] { $years } year
       *[other] { $years } years
    }
words-age-years-months =
    { $years ->
        [one] { $years } year
       *[other] { $years } years
    } { $months ->
        [one] { $months } month
       *[other] { $months } months
    }
words-age-range = { $from } – { $to }
# $missing, $found: ages (words-age-…); $tolerance: days.
words-age-detail =
    The missing child would have been { $missing } old when the child was found; the found child's estimated age is { $found } (± { $tolerance ->
        [one] { $tolerance } day
       *[other] { $tolerance } days
    }).

## Error pages: the heading and the plain explanation, by HTTP status.

words-error-400-heading = Something in the request is not right
words-error-400-text = The address or the form holds something the registry cannot read. Go back and try again.
words-error-401-heading = Please log in
words-error-401-text = This page needs an account.
words-error-403-heading = Not allowed
words-error-403-text = Your account may not see or do this. Ask an administrator if you need it.
words-error-404-heading = Page not found
words-error-404-text = There is nothing at this address: the link may be old or mistyped, or the record is not yours to see.
words-error-409-heading = Not possible now
words-error-409-text = The record is not in a state that allows this step (someone may have changed it). Look at it again and choose another step.
words-error-413-heading = Too large
words-error-413-text = What was sent is larger than the registry accepts.
words-error-422-heading = Could not accept this
words-error-422-text = Something that was entered cannot be used; the reason is below.
words-error-429-heading = Too many attempts
words-error-429-text = Wait a little and try again.
words-error-other-heading = Something went wrong
words-error-other-text = The registry could not finish this. Try again later; if it happens again, tell an administrator.

## Two profiles with the same DNA. $other is where the link to the other
## found child or the other reference's case goes.

words-same-dna-all-equal = all { $shared } markers compared are equal
words-same-dna-all-but-one = all but one of the { $shared } markers compared are equal ({ $marker } differs)
words-same-dna-check = A case worker should check before deciding on any candidate of theirs.
# $markers: words-same-dna-all-…; $check: words-same-dna-check.
words-same-dna-found = Found child { $me } has the same DNA as found child { $other }: { $markers }. It may be the same child registered twice, or identical twins. { $check }
# $relationship, $other_relationship: words-relationship-…; $case: this reference's case.
words-same-dna-reference = Reference { $sample } ({ $relationship }) of case { $case } has the same DNA as reference { $other_sample } ({ $other_relationship }) of case { $other }: { $markers }. It may be the same person given twice (for two lost children, say), or identical twins. { $check }

## The drawing of a case's family (the pedigree).

words-drawing-title-found = Case { $case }: found child { $found } in the child's place
words-drawing-title-family = Case { $case }: the family
words-drawing-found-child-label = found child { $found }
# $relative: words-drawing-relative-…; $sample: the reference's sample name.
words-drawing-reference = { $relative } ({ $sample })
words-drawing-relative-mother = mother
words-drawing-relative-father = father
words-drawing-relative-full-sibling = full sibling
words-drawing-relative-maternal-half-sibling = maternal half sibling
words-drawing-relative-paternal-half-sibling = paternal half sibling
words-drawing-relative-maternal-grandmother = maternal grandmother
words-drawing-relative-maternal-grandfather = maternal grandfather
words-drawing-relative-paternal-grandmother = paternal grandmother
words-drawing-relative-paternal-grandfather = paternal grandfather
words-drawing-relative-maternal-aunt = maternal aunt
words-drawing-relative-maternal-uncle = maternal uncle
words-drawing-relative-paternal-aunt = paternal aunt
words-drawing-relative-paternal-uncle = paternal uncle
words-drawing-relative-paternal-great-uncle = paternal great-uncle
words-drawing-relative-paternal-first-cousin = paternal cousin
words-drawing-paternal-great-grandfather = great grandfather
words-drawing-paternal-great-grandmother = great grandmother
# A paternal uncle's wife, the mother of a cousin, who gave no DNA.
words-drawing-aunt-by-marriage = uncle's wife
# A half-sibling's other mother or other father, who gave no DNA.
words-drawing-other-mother = other parent
words-drawing-other-father = other parent
words-drawing-gave-dna = gave DNA
words-drawing-not-typed = not typed
words-drawing-missing-child = missing child
words-drawing-found-child = found child
words-drawing-male = male
words-drawing-female = female
words-drawing-sex-unknown = sex unknown
words-drawing-empty = No persons to draw
# The drawing's description for screen readers.
words-drawing-desc-empty = An empty pedigree.
words-drawing-desc =
    Pedigree of { $n ->
        [one] { $n } person
       *[other] { $n } persons
    } in { $generations ->
        [one] { $generations } generation
       *[other] { $generations } generations
    }.
words-drawing-desc-person = { $label }: { $sex }, { $role }.
# $parents: one label, or words-drawing-desc-and.
words-drawing-desc-person-child = { $label }: { $sex }, { $role }, child of { $parents }.
words-drawing-desc-and = { $a } and { $b }
# A person's tooltip.
words-drawing-person-title = { $label } ({ $sex }, { $role })

## The chart of a found child's LRs.

words-chart-title-floored = LR of the cases scored in full for found child { $found }
words-chart-title-all = LR of every case scored for found child { $found }
words-chart-empty = No cases scored yet
words-chart-empty-desc = No cases have been scored for this child yet.
# The chart's description for screen readers. $factor: 10, 10², …
words-chart-desc =
    Histogram of { $total ->
        [one] { $total } case
       *[other] { $total } cases
    } scored for this child by likelihood ratio (LR), in bins of a factor { $factor }; bar heights on a logarithmic scale of case counts. { $excluded ->
        [one] { $excluded } case
       *[other] { $excluded } cases
    } excluded (LR 0).
words-chart-desc-above =
    { $n ->
        [one] { $n } case is
       *[other] { $n } cases are
    } at or above the undisputed threshold LR 10⁴.
# $where: words-chart-where-…
words-chart-desc-candidate =
    This candidate: { $where }; { $higher ->
        [one] { $higher } case scores
       *[other] { $higher } cases score
    } higher; { $same ->
        [one] { $same } case
       *[other] { $same } cases
    } in the same bar.
words-chart-where-excluded = excluded
words-chart-where-infinite = an infinite LR
words-chart-where-lr = LR { $lr }
# A bar's tooltip.
words-chart-tip-excluded =
    excluded: { $n ->
        [one] { $n } case
       *[other] { $n } cases
    }
words-chart-tip-bin =
    LR { $from } to { $to }: { $n ->
        [one] { $n } case
       *[other] { $n } cases
    }
words-chart-tip-infinite =
    infinite LR: { $n ->
        [one] { $n } case
       *[other] { $n } cases
    }
words-chart-axis-cases = cases (log scale)
words-chart-axis-excluded = excluded
words-chart-axis-lr = likelihood ratio (LR), log scale
words-chart-threshold = undisputed threshold
words-chart-this-candidate = this candidate
