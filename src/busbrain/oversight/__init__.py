"""The console's supervision rules: what the day's record says about the service.

Values in, values out (dataframes of stop events, the timetable, the live picture): the
运营监管, 服务监管, 安全监管 and 数据分析 modules' figures, computed without I/O so the
API, the reports and the tests share one definition of each metric.
"""
