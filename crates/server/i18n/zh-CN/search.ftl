# 搜索页（search.html）。

search-title = 搜索
search-submit = 搜索
search-refused = 未执行搜索：筛选条件有误。
search-words = 姓名、地点、案件或儿童编号、机构
search-hint = 每个词都必须匹配。姓名和地点按完整的词查找；中文姓名可用其中任意两个或更多的字查找。
search-case-status = 案件状态
search-found-status = 儿童状态
search-review = 审核
search-category = 类别
search-any = 全部
search-from = 失踪或被找到日期，从
search-to = 至
search-too-short = 单个字符只在编号和机构名称中查找。
search-none = 无。

search-cases = 寻亲案件
search-found = 被找到的儿童
search-candidates = 候选匹配

search-col-case = 案件
search-col-child-name = 儿童姓名
search-col-missing-from = 失踪地点
search-col-missing-since = 失踪日期
search-col-status = 状态
search-col-matched = 匹配项
search-col-child = 儿童
search-col-institution = 机构
search-col-found-at = 被找到地点
search-col-found-on = 被找到日期
search-col-candidate = 候选
search-col-found-child = 被找到的儿童
search-col-lr = 似然比
search-col-category = 类别
