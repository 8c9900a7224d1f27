import { z } from 'zod';

/**
 * Who called the API: the IAM identity API Gateway's AWS_IAM authoriser put in the request context
 * (payload 2.0: `requestContext.authorizer.iam`). Recorded on the run and in its report.
 */
export const iamContextSchema = z.object({
  userArn: z.string().optional(),
  accountId: z.string().optional(),
  callerId: z.string().optional(),
  accessKey: z.string().optional(),
});

export const apiRequestContextSchema = z.object({
  requestId: z.string().optional(),
  authorizer: z.object({ iam: iamContextSchema.optional() }).optional(),
});
export type ApiRequestContext = z.infer<typeof apiRequestContextSchema>;

/** The caller's ARN, or `account:caller` when API Gateway gave no ARN; undefined without IAM. */
export function callerOf(context: ApiRequestContext | undefined): string | undefined {
  const iam = context?.authorizer?.iam;
  if (!iam) return undefined;
  if (iam.userArn) return iam.userArn;
  if (iam.accountId && iam.callerId) return `${iam.accountId}:${iam.callerId}`;
  return undefined;
}
