# The OpenInsure API reference's quickstart (shared/seeds/001_…), as written, except that the two
# assignments at the top point at the local sandbox instead of production, and the effective date,
# which the seed fixed at 2026-05-01, is a day ahead of the sandbox's today (quoting cover backdated
# beyond 60 days is refused, and backdated less is held for a referral).
API="$OPENINSURE_API"
TOKEN="$OPENINSURE_TOKEN"
# Full submission → quote → bind in bash
# Create submission
SUB_ID=$(curl -s -X POST $API/submissions \
-H "X-API-Key: $TOKEN" \
-H "Content-Type: application/json" \
-d '{
"insuredName": "Pacific Coast Builders",
"naicsCode": "236220",
"annualRevenue": 8000000,
"requestedLimit": 1000000,
"effectiveDate": "'"$OPENINSURE_EFFECTIVE_DATE"'",
"state": "OR",
"lineOfBusiness": "GL"
}' | jq -r '.id')
# Get quote
QUOTE=$(curl -s -X POST $API/submissions/$SUB_ID/quote \
-H "X-API-Key: $TOKEN")
echo "Premium: $(echo $QUOTE | jq '.grossPremium')"
# Bind
POLICY=$(curl -s -X POST $API/submissions/$SUB_ID/bind \
-H "X-API-Key: $TOKEN" \
-H "Content-Type: application/json" \
-d '{"installmentPlan":"MONTHLY_10"}')
echo "Policy: $(echo $POLICY | jq -r '.policyNumber')"
