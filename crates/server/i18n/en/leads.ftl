# leads: en
# The paternal-line leads page (templates/leads.html, src/leads.rs).

leads-title = Paternal-line leads
leads-heading = Paternal-line leads (Y chromosome)
leads-intro = A boy's Y chromosome passes from father to son almost unchanged, so he shares it with his father, brothers, grandfather, uncles and cousins on his father's side. Each lead below is a found boy whose Y chromosome is nearly the same as that of a man of a missing boy's father's family. This does not say which man of that family is his father: contact the family and ask for an ordinary (autosomal) DNA test before telling anyone that the child is found.
leads-none = No paternal-line leads yet.
leads-found-child = Found child
leads-case = missing-child case
# $relative: the relationship in words; $sample: the relative's sample; $same, $compared: numbers of places.
leads-conclusion = His Y chromosome matches that of the relative who gave DNA for the missing boy ({ $relative }, sample { $sample }) at { $same } of { $compared } places.
leads-differing-none = It differs at none.
# $n: how many places differ; $loci: their names.
leads-differing =
    { $n ->
        [one] It differs at one place ({ $loci }), which a few generations can explain.
       *[other] It differs at { $n } places ({ $loci }), which a few generations can explain.
    }
# $lr: the likelihood ratio; $meioses: generations between the man and the missing boy.
leads-lr = The Y-DNA is { $lr } times more likely if the boy is of this man's paternal line ({ $meioses } generations apart) than if he is of an unrelated family.
# $method: the method's code; $database: the Y database and its version.
leads-method = Computed by the discrete Laplace method ({ $method }) with the population Y database { $database } and published mutation rates.
leads-no-database = No population Y database is active, so the strength of this lead cannot be given yet: an administrator can import one.
leads-not-identification = This is a lead, not an identification.
leads-status = Status
leads-status-new = New
leads-status-family-contacted = Family contacted
leads-status-autosomal-requested = Autosomal DNA test requested
leads-status-confirmed = Confirmed by the autosomal test
leads-status-ruled-out = Ruled out
leads-do-family-contacted = The family was contacted
leads-do-autosomal-requested = Request an autosomal DNA test
leads-do-confirmed = The test confirms it
leads-do-ruled-out = Rule it out
leads-volunteer-heading = Leads from clan volunteers
leads-volunteer-intro = Clan volunteers are men who gave their Y-DNA for their family line (their surname and ancestral village) without having registered a missing child. A found boy whose Y chromosome is nearly the same as a volunteer's may descend from the same forefather, some generations back: the volunteer's clan can be asked which of its families lost a boy, and that family asked for an ordinary (autosomal) DNA test. Nobody knows how many generations lie between them, so the strength is given for each number, and the likeliest is named.
leads-volunteer-none = No leads from clan volunteers yet.
leads-volunteer-clan = clan
# $surname: the clan's surname; $place: its ancestral place; $sample: the volunteer's sample; $same, $compared: numbers of places.
leads-volunteer-conclusion = His Y chromosome matches that of a volunteer of the { $surname } clan of { $place } (sample { $sample }) at { $same } of { $compared } places.
leads-volunteer-name = Volunteer
leads-volunteer-cases = Missing-child cases his clan knows of
leads-volunteer-no-cases = His clan named no missing-child case.
# $lr: the likelihood ratio; $meioses: the likeliest number of generations between them.
leads-volunteer-lr =
    { $meioses ->
        [one] The Y-DNA fits best with one generation between them: then it is { $lr } times more likely if the boy is of this man's paternal line than if he is of an unrelated family.
       *[other] The Y-DNA fits best with { $meioses } generations between them: then it is { $lr } times more likely if the boy is of this man's paternal line than if he is of an unrelated family.
    }
leads-volunteer-by-generation = The strength for each number of generations between them
leads-volunteer-generations = Generations apart
leads-volunteer-lr-column = Times more likely
leads-volunteer-not-identification = This is a lead to a clan, not an identification.
leads-volunteer-status-contacted = Clan contacted
leads-volunteer-do-contacted = The clan was contacted
# $lr: the autosomal LR of the family's candidate; $id: the candidate's number.
leads-autosomal = The family's ordinary (autosomal) DNA also makes this boy a candidate (number { $id }): { $lr } times more likely if he is the missing child than if he is unrelated.
leads-see-candidate = See the candidate.
# $lr: the autosomal and Y LRs multiplied.
leads-together = Ordinary DNA and Y-DNA together (they are inherited independently, so the two multiply): { $lr } times more likely if he is the missing child than if he is unrelated.
leads-filter = Show
leads-filter-all = Every lead
