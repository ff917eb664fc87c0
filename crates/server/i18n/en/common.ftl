# The layout, the pager, the error page, the login, the dashboard, the
# audit log and the public alerts.

common-nav-dashboard = Dashboard
common-nav-search = Search
common-nav-register = Register
common-nav-leads = Paternal-line leads
common-nav-import = Import
common-nav-audit = Audit
common-nav-alerts = Alerts
common-nav-login = Log in
common-nav-logout = Log out
common-nav-language = Language

common-pager-shown = { $shown } shown of { $total }
common-pager-previous = ← Previous
common-pager-next = Next →

common-back-previous = Back to the previous page
common-back-dashboard = Go to the dashboard
common-back-login = Log in
common-too-large = the request body is too large: at most { $bytes } bytes here

common-login-title = Log in
common-login-username = Username
common-login-password = Password
common-login-button = Log in

common-dashboard-title = Dashboard
common-family-heading = Your case
common-family-case = Case { $id }:
common-family-contact = A case worker will contact you when there is news.
common-candidates-heading = Candidates to review
common-none = None.
common-col-candidate = Candidate
common-col-found = Found child
common-col-case = Case
common-col-lr = LR
common-col-markers = Markers
common-col-category = Category
common-col-status = Status
common-cases = Cases
common-found = Found children

common-audit-title = Audit
common-audit-heading = Audit log (newest first)
common-audit-when = When
common-audit-who = Who
common-audit-what = What
common-audit-on = On
common-audit-detail = Detail

common-alerts-title = Missing children
common-alerts-heading = Missing children
common-alerts-contact = If you have seen one of these children, please contact the police.
common-alerts-none = No public alerts.
common-alerts-case = Case { $id }
common-alerts-born = Born { $date }
common-alerts-missing-since = missing since { $date }

# After a label: "Status: new".
common-colon = {": "}
