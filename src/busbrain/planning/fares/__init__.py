"""Fare transactions in: the batch format, checks by kind, and card pseudonymisation.

The format an operator's clearing system (清分系统) delivers, one row per tap, CSV (UTF-8,
header) or Parquet with these columns:

| column | meaning |
|---|---|
| txn_id | the reader's transaction id, unique per reader (a re-upload repeats it) |
| reader_time | when the reader recorded the tap: ISO 8601 with a UTC offset, e.g. |
| | 2026-12-01T07:31:05+08:00 (in Parquet, a timestamp with a time zone also does) |
| vehicle_id | the operator's vehicle number (自编号) the reader is mounted in |
| reader_id | the card reader's id |
| channel | ic_card, senior_card, unionpay, wechat, alipay, yunshanfu, cash |
| card_id | card number, bank-card token or QR account id; empty for cash |
| fare_fen | amount charged in fen (1 yuan = 100 fen), an integer >= 0 |
| batch_id | optional: the clearing batch; the file name is used when absent |

Extra columns are ignored. The simulator's batches (sim/fares.py) are in this format.
"""
