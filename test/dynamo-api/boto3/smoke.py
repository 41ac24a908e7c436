"""A second SDK against Tessera's DynamoDB API (issue #4): boto3, which also checks the
x-amz-crc32 of every response. Usage: smoke.py ENDPOINT. Prints OK on success."""
import sys
from decimal import Decimal

import boto3
from boto3.dynamodb.conditions import Attr, Key
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = sys.argv[1]
session = boto3.session.Session(aws_access_key_id="AKID", aws_secret_access_key="secret", region_name="us-east-1")
config = Config(retries={"max_attempts": 1})
client = session.client("dynamodb", endpoint_url=endpoint, config=config)
resource = session.resource("dynamodb", endpoint_url=endpoint, config=config)

table = resource.create_table(
    TableName="boto",
    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
    BillingMode="PAY_PER_REQUEST",
)
table.wait_until_exists()
assert table.table_status == "ACTIVE", table.table_status

with table.batch_writer() as batch:
    for i in range(40):
        batch.put_item(Item={"pk": "p", "sk": i, "name": f"n{i}", "tags": {"a", "b"}, "nested": {"list": [1, "two", None]}})

item = table.get_item(Key={"pk": "p", "sk": 7})["Item"]
assert item["name"] == "n7" and item["tags"] == {"a", "b"} and item["nested"]["list"] == [Decimal(1), "two", None], item

r = table.query(KeyConditionExpression=Key("pk").eq("p") & Key("sk").between(10, 19), ScanIndexForward=False, Limit=4)
assert [x["sk"] for x in r["Items"]] == [19, 18, 17, 16], r["Items"]
assert r["LastEvaluatedKey"] == {"pk": "p", "sk": Decimal(16)}, r["LastEvaluatedKey"]

seen = []
kwargs = {"FilterExpression": Attr("sk").gte(30)}
while True:
    page = table.scan(**kwargs)
    seen += [x["sk"] for x in page["Items"]]
    if "LastEvaluatedKey" not in page:
        break
    kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
assert sorted(seen) == list(range(30, 40)), seen

r = table.update_item(Key={"pk": "p", "sk": 1}, UpdateExpression="ADD hits :one SET #n = :n",
                      ExpressionAttributeNames={"#n": "name"}, ExpressionAttributeValues={":one": 1, ":n": "renamed"}, ReturnValues="ALL_NEW")
assert r["Attributes"]["hits"] == 1 and r["Attributes"]["name"] == "renamed", r

try:
    table.put_item(Item={"pk": "p", "sk": 1}, ConditionExpression=Attr("pk").not_exists())
    raise SystemExit("conditional put should have failed")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ConditionalCheckFailedException", e.response

try:
    client.get_item(TableName="missing", Key={"pk": {"S": "p"}, "sk": {"N": "1"}})
    raise SystemExit("missing table should have failed")
except ClientError as e:
    assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response

client.transact_write_items(TransactItems=[
    {"Put": {"TableName": "boto", "Item": {"pk": {"S": "t"}, "sk": {"N": "1"}}}},
    {"Update": {"TableName": "boto", "Key": {"pk": {"S": "p"}, "sk": {"N": "2"}}, "UpdateExpression": "SET done = :t", "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
])
assert table.get_item(Key={"pk": "p", "sk": 2})["Item"]["done"] is True

assert "boto" in client.list_tables()["TableNames"]
table.delete()
print("OK")
