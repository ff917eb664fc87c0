# 导入页（import.html）。

import-title = 导入
import-heading = 导入实验室文件
# 导入的结果：$count 是文件的行数及其量词（“3份DNA分型”），
# $candidates 是 import-report-candidates。
import-report = { $file }：文件中有{ $count }，新增{ $added }，已存储{ $unchanged }；{ $candidates }。
import-report-candidates = 新的候选匹配{ $n }个
import-kind = 类型
import-file = 文件
import-submit = 导入
import-columns = 各类文件的列
import-columns-cases = 寻亲案件
import-columns-references = 提供DNA的亲属
import-columns-volunteers = 宗族志愿者（其Y-DNA在同名样本的分型文件中；known_cases：该宗族知道的案件编号，用 ; 分隔）
import-columns-found = 被找到的儿童
import-columns-profiles = DNA分型：GeneMapper ID-X 基因型表
import-columns-frequencies = 等位基因频率：Familias 列表格式或长格式CSV
import-columns-haplotypes = Y-STR群体单倍型：CSV，每名男性一行，每个基因座一列（DYS19、DYS385 写作 11-14 等）
